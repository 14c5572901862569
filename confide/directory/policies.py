"""Directory permissions — one function per permission, ``(user, target) -> bool``."""

from __future__ import annotations

from confide.accounts.models import Role


def _role(user) -> str | None:
    return getattr(user, "role", None)


def can_edit_therapist_profile(user, profile) -> bool:
    """Only the therapist the profile belongs to."""
    return _role(user) == Role.THERAPIST and profile.user_id == user.pk


def can_moderate_profiles(user, profile) -> bool:
    """Staff hide and show profiles."""
    return _role(user) == Role.STAFF


def can_view_profile(user, profile) -> bool:
    """Visible profiles are public; hidden ones only to their owner and staff."""
    if not profile.hidden and profile.user.is_active:
        return True
    return user is not None and (_role(user) == Role.STAFF or profile.user_id == getattr(user, "pk", None))


def can_add_licence(user, therapist) -> bool:
    return _role(user) == Role.THERAPIST and therapist.pk == user.pk


def can_review_licence(user, licence) -> bool:
    """Staff verify licences — never their own (staff hold none, but be explicit)."""
    return _role(user) == Role.STAFF and licence.therapist_id != user.pk


def can_answer_matching(user, client) -> bool:
    """A client fills in and reads only their own questionnaire."""
    return _role(user) == Role.CLIENT and user.pk == client.pk
