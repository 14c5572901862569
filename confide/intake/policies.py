"""Who may read and change intake data — one function per permission.

The client themselves; their treating therapist; staff only through a live
break-glass grant. Staff never see clinical content otherwise.
"""

from __future__ import annotations

from confide.accounts.models import Role
from confide.accounts.policies import has_emergency_access, is_treating_therapist


def _is_self_client(user, client) -> bool:
    return user.pk == client.pk and getattr(user, "role", None) == Role.CLIENT


def can_view_intake(user, client) -> bool:
    """Intake answers, consent record, emergency plan, measures, triage reasons."""
    return _is_self_client(user, client) or is_treating_therapist(user, client) or has_emergency_access(user, client)


def can_answer_intake(user, client) -> bool:
    """Only the client writes their own answers, plan and signature."""
    return _is_self_client(user, client)


def can_set_measure_schedule(user, client) -> bool:
    return is_treating_therapist(user, client)


def can_view_emergency_plan(user, client) -> bool:
    return can_view_intake(user, client)
