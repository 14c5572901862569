"""Who may see and act on safety events — one function per permission.

The client's treating therapist sees everything about their client's events,
including the triggering text. On-call staff (and, when nobody is on call, any
staff member) see that an event exists, its level, source and status, so they
can act — never the text, unless they open break-glass access.
"""

from __future__ import annotations

from confide.accounts.models import Role
from confide.accounts.policies import has_emergency_access, is_treating_therapist


def is_on_call(user) -> bool:
    """A staff member on a current shift — or any staff member when no shift is current."""
    from confide.safety.models import OnCallShift

    if getattr(user, "role", None) != Role.STAFF or not user.is_active:
        return False
    current = OnCallShift.objects.current()
    return not current.exists() or current.filter(staff=user).exists()


def can_see_safety_event(user, event) -> bool:
    """Existence, level, source, status, time: the treating therapist and on-call staff."""
    return is_treating_therapist(user, event.client) or is_on_call(user)


def can_read_safety_details(user, event) -> bool:
    """Reasons and triggering text (PHI): the treating therapist, or staff under break-glass."""
    return is_treating_therapist(user, event.client) or has_emergency_access(user, event.client)


def can_close_safety_event(user, event) -> bool:
    """The therapist owns the follow-up and closes the event with a note."""
    return is_treating_therapist(user, event.client)


def can_request_help(user, client) -> bool:
    """Only a client presses "I need help now", for themselves."""
    return user.pk == client.pk and getattr(user, "role", None) == Role.CLIENT


def can_screen_text_of(user, client) -> bool:
    """Text is screened on behalf of the client who wrote it (the client, or the system)."""
    return user is None or user.pk == client.pk


def can_manage_on_call(user, _target=None) -> bool:
    return getattr(user, "role", None) == Role.STAFF


def can_read_alert(user, alert) -> bool:
    return alert.recipient_id == user.pk
