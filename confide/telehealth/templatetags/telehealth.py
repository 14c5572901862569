"""``{% visit_link appointment %}``: "Join visit" / "Open waiting room" while the room is open.

Scheduling's pages use it; the decision stays here (telehealth owns when a room opens).
"""

from __future__ import annotations

from django import template

from confide.telehealth import policies

register = template.Library()


@register.inclusion_tag("telehealth/_visit_link.html", takes_context=True)
def visit_link(context, appointment) -> dict:
    """Links to the visit: "Join visit" / "Open waiting room" while the room is open, "Visit record" once ended."""
    user = context.get("user")
    participant = user is not None and policies.is_participant(user, appointment)
    show = participant and policies.join_problem(user, appointment) == ""
    is_therapist = show and user.pk == appointment.therapist_id
    ended = participant and not show and _visit_ended(appointment)
    return {"show": show, "ended": ended, "appointment": appointment, "is_therapist": is_therapist}


def _visit_ended(appointment) -> bool:
    # Only a completed video/audio appointment can have an ended visit; join_problem has loaded it already.
    if appointment.status != "completed" or appointment.modality not in policies.VISIT_MODALITIES:
        return False
    return policies.has_visit(appointment) and appointment.visit.state == "ended"


@register.filter
def clock(instant, zone) -> str:
    """``18:30:05``: the instant's time of day in ``zone`` (the table around it names the zone)."""
    return f"{instant.astimezone(zone):%H:%M:%S}"


@register.filter
def duration(seconds: int) -> str:
    """``1 h 5 min``, ``12 min 40 s``, ``45 s``."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@register.simple_tag
def open_visits_for(user) -> list:
    """The user's video/audio appointments whose room is open now (dashboard card)."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from confide.scheduling.models import Appointment, Status

    now = timezone.now()
    mine = Q(client=user) | Q(therapist=user)
    candidates = Appointment.objects.filter(
        mine,
        status=Status.CONFIRMED,
        modality__in=policies.VISIT_MODALITIES,
        start_at__lte=now + policies.OPENS_BEFORE_START,
        end_at__gte=now - policies.IN_PROGRESS_GRACE - timedelta(minutes=1),
    ).select_related("visit")
    visits = [a for a in candidates if policies.join_problem(user, a, now=now) == ""]
    for appointment in visits:
        visit = getattr(appointment, "visit", None) if policies.has_visit(appointment) else None
        appointment.waiting = bool(visit and visit.client_channel and visit.admitted_at is None)
    return visits
