"""Optional per-app modules (``demo.py``, ``export.py``, ``routing.py``).

Core features such as the demo data, the client's data export and the
WebSocket routes let each app contribute without core importing upward by name.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


def optional_app_module(app: str, module: str) -> ModuleType | None:
    """``confide.<app>.<module>`` if that app has such a module, else None.

    An ImportError *inside* an existing module is re-raised: a broken module
    must fail loudly, not silently vanish from the demo or the export.
    """
    dotted = f"confide.{app}.{module}"
    try:
        return import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name in (dotted, f"confide.{app}"):
            return None
        raise
