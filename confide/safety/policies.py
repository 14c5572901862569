"""Who may see and act on safety events — one function per permission.

The client's treating therapist sees everything about their client's events,
including the triggering text. On-call staff (and, when nobody is on call, any
staff member) see that an event exists, its level, source and status, so they
can act — never the text, unless they open break-glass access. The treating
therapist closes an event; when the client has no therapist, on-call staff do.
"""

from __future__ import annotations

from confide.accounts.models import CareRelationship, Role, User
from confide.accounts.policies import has_emergency_access, is_treating_therapist


def is_on_call(user) -> bool:
    """A staff member on a current shift — or any staff member when no shift is current."""
    from confide.safety.models import OnCallShift

    if getattr(user, "role", None) != Role.STAFF or not user.is_active:
        return False
    current = OnCallShift.objects.current()
    return not current.exists() or current.filter(staff=user).exists()


def treating_therapists(client):
    """Active therapists in an active care relationship with the client (who is alerted and closes)."""
    return User.objects.filter(
        care_as_therapist__client=client,
        care_as_therapist__status=CareRelationship.Status.ACTIVE,
        role=Role.THERAPIST,
        is_active=True,
    ).distinct()


def can_see_safety_event(user, event) -> bool:
    """Existence, level, source, status, time: the treating therapist and on-call staff."""
    return is_treating_therapist(user, event.client) or is_on_call(user)


def can_read_safety_details(user, event) -> bool:
    """Reasons and triggering text (PHI): the treating therapist, or staff under break-glass."""
    return is_treating_therapist(user, event.client) or has_emergency_access(user, event.client)


def can_close_safety_event(user, event) -> bool:
    """The treating therapist owns the follow-up and closes the event with a note.

    A client without a (active) therapist has nobody else to close it: on-call
    staff, who were alerted and follow it up, own it then. Closing needs no
    break-glass access (the note is written, not read); reading the reasons still does.
    """
    if is_treating_therapist(user, event.client):
        return True
    return is_on_call(user) and not treating_therapists(event.client).exists()


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
