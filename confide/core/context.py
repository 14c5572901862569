"""Template context available on every page."""

from __future__ import annotations

from django.conf import settings


def site(request) -> dict[str, object]:
    return {"IDLE_SECONDS": settings.IDLE_MINUTES * 60, "IDLE_MINUTES": settings.IDLE_MINUTES, "SITE_NAME": "Confide"}
