"""Who may do what with an appointment — one function per permission (pass to ``privacy.access.authorize``)."""

from __future__ import annotations

from confide.accounts.models import Role


def can_view_appointment(user, appointment) -> bool:
    """The client and the therapist of the appointment; nobody else."""
    return user.pk in (appointment.client_id, appointment.therapist_id)


def can_change_appointment(user, appointment) -> bool:
    """Either side may reschedule or cancel."""
    return can_view_appointment(user, appointment)


def can_manage_appointment(user, appointment) -> bool:
    """Confirm, complete, mark no-show: the appointment's therapist only."""
    return getattr(user, "role", None) == Role.THERAPIST and user.pk == appointment.therapist_id


def can_book_for(user, client) -> bool:
    """Clients book for themselves."""
    return getattr(user, "role", None) == Role.CLIENT and user.pk == client.pk


def can_manage_availability(user, therapist) -> bool:
    return getattr(user, "role", None) == Role.THERAPIST and user.pk == therapist.pk


def can_use_waitlist_entry(user, entry) -> bool:
    return user.pk == entry.client_id
