"""Template tags shared by every app."""

from __future__ import annotations

from django import template
from django.template.loader import get_template

register = template.Library()

APPS = ("directory", "scheduling", "intake", "safety", "messaging", "telehealth", "records", "billing")


@register.simple_tag(takes_context=True)
def app_snippets(context, slot: str) -> str:
    """Render ``<app>/_<slot>.html`` of every app that has one, in layer order.

    Lets each app add its own nav items and dashboard cards without editing
    core templates (slots: nav, dashboard_client, dashboard_therapist, dashboard_staff).
    """
    from django.template import TemplateDoesNotExist
    from django.utils.safestring import mark_safe

    parts = []
    for app in APPS:
        try:
            snippet = get_template(f"{app}/_{slot}.html")
        except TemplateDoesNotExist:
            continue
        parts.append(snippet.render(context.flatten(), context.get("request")))
    return mark_safe("".join(parts))  # noqa: S308 — our own templates, autoescaped when rendered


@register.filter(name="zone_name")
def zone_name_filter(zone) -> str:
    """``{{ zone|zone_name }}``: ``America/New York`` for a ZoneInfo or an IANA key (core.times.zone_name)."""
    from confide.core.times import zone_name

    return zone_name(zone) if zone else ""
