"""WebSocket routes of every app, gathered in one list for asgi.py."""

from __future__ import annotations

from confide.core.plugins import optional_app_module

REALTIME_APPS = ("messaging", "telehealth", "safety")


def _collect() -> list:
    patterns: list = []
    for app in REALTIME_APPS:
        module = optional_app_module(app, "routing")
        if module is not None:
            patterns += module.websocket_urlpatterns
    return patterns


websocket_urlpatterns = _collect()
