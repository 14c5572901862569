"""WebSocket routes of every app, gathered in one list for asgi.py."""

from __future__ import annotations

from importlib import import_module

REALTIME_APPS = ("messaging", "telehealth", "safety")


def _collect() -> list:
    patterns: list = []
    for app in REALTIME_APPS:
        try:
            module = import_module(f"confide.{app}.routing")
        except ModuleNotFoundError as exc:
            if exc.name != f"confide.{app}.routing" and exc.name != f"confide.{app}":
                raise
            continue
        patterns += module.websocket_urlpatterns
    return patterns


websocket_urlpatterns = _collect()
