"""Template tags for scheduling's dashboard cards."""

from __future__ import annotations

from django import template
from django.utils import timezone

from confide.scheduling.availability import display_zone, format_local
from confide.scheduling.models import ACTIVE_STATUSES, Appointment

register = template.Library()


@register.simple_tag
def upcoming_for(user, limit: int = 5) -> list[Appointment]:
    """The person's next active appointments, labelled in the zone they read times in."""
    field = "therapist" if user.role == "therapist" else "client"
    items = list(
        Appointment.objects.filter(**{field: user}, status__in=ACTIVE_STATUSES, end_at__gt=timezone.now())
        .select_related("client")
        .order_by("start_at")[:limit]
    )
    zone = display_zone(user)
    for item in items:
        item.label = format_local(item.start_at, zone)
    return items
