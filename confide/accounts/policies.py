"""Who may do what with a person's data — one function per permission.

Every function takes the acting user first and returns a bool; callers pass it
to ``confide.privacy.access.authorize`` so the decision is also audited.
"""

from __future__ import annotations

from django.utils import timezone

from confide.accounts.models import CareRelationship, Role
from confide.privacy.models import EmergencyAccess


def has_mfa(user) -> bool:
    """True when the user has an authenticator (TOTP or passkey) enrolled."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def is_treating_therapist(user, client) -> bool:
    """The user is a therapist in an active care relationship with the client."""
    if getattr(user, "role", None) != Role.THERAPIST:
        return False
    return CareRelationship.objects.filter(
        client=client, therapist=user, status=CareRelationship.Status.ACTIVE
    ).exists()


def has_emergency_access(user, client) -> bool:
    """Staff with a live, reasoned break-glass grant for this client."""
    if getattr(user, "role", None) != Role.STAFF:
        return False
    return EmergencyAccess.objects.filter(
        staff=user, client=client, ended_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def can_view_client_record(user, client) -> bool:
    """The client, their therapist, or staff under emergency access."""
    if user.pk == client.pk:
        return True
    return is_treating_therapist(user, client) or has_emergency_access(user, client)


def can_edit_own_profile(user, client) -> bool:
    """Only the client edits their own identity and location."""
    return user.pk == client.pk and getattr(user, "role", None) == Role.CLIENT


def can_see_legal_name(user, client) -> bool:
    """A client's pseudonym is all anyone but their own therapist (and they) see."""
    return user.pk == client.pk or is_treating_therapist(user, client)


def can_open_emergency_access(user, client) -> bool:
    return getattr(user, "role", None) == Role.STAFF and getattr(client, "role", None) == Role.CLIENT


def can_review_emergency_access(user, access: EmergencyAccess) -> bool:
    """Another staff member — never the one who broke the glass."""
    return getattr(user, "role", None) == Role.STAFF and user.pk != access.staff_id


def can_manage_token(user, token) -> bool:
    return token.user_id == user.pk
