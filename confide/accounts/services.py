"""The verbs of the accounts domain. Each runs in a transaction and audits PHI access."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.accounts import policies
from confide.accounts.models import ApiToken, CareRelationship, ClientProfile, Role, User
from confide.core.jurisdictions import normalise_jurisdiction
from confide.privacy.access import authorize
from confide.privacy.audit import SYSTEM, RequestContext, record_event

TOKEN_PREFIX = "cfd_"  # noqa: S105 — a public prefix, not a secret


def client_profile_for(user: User) -> ClientProfile:
    profile, _ = ClientProfile.objects.get_or_create(user=user)
    return profile


@dataclass(frozen=True)
class ClientIdentity:
    legal_name: str
    date_of_birth: str
    jurisdiction: str


def read_client_identity(ctx: RequestContext, client: User) -> ClientIdentity:
    """Decrypt a client's identity for an authorised viewer (audited)."""
    authorize(ctx, policies.can_view_client_record, client, action="client_identity.view", subject=client)
    profile = client_profile_for(client)
    return ClientIdentity(profile.legal_name, profile.date_of_birth, profile.jurisdiction)


def update_client_identity(
    ctx: RequestContext,
    client: User,
    *,
    pseudonym: str,
    legal_name: str,
    date_of_birth: date | None,
    jurisdiction: str,
    time_zone: str,
) -> ClientProfile:
    """Save what a client says about themselves.

    Side effects: audit event ``client_identity.update``. Raises ValidationError
    with a message per field on bad input, saving nothing.
    """
    authorize(ctx, policies.can_edit_own_profile, client, action="client_identity.update", subject=client)
    jurisdiction = normalise_jurisdiction(jurisdiction) if jurisdiction else ""
    _validate_pseudonym(pseudonym)
    with transaction.atomic():
        client.display_name = pseudonym.strip()
        client.time_zone = time_zone
        client.full_clean(exclude=["password"])
        client.save(update_fields=["display_name", "time_zone", "updated_at"])
        profile = client_profile_for(client)
        profile.legal_name = legal_name.strip()
        profile.date_of_birth = date_of_birth.isoformat() if date_of_birth else ""
        profile.jurisdiction = jurisdiction
        profile.save()
    return profile


def _validate_pseudonym(pseudonym: str) -> None:
    cleaned = pseudonym.strip()
    if not 2 <= len(cleaned) <= 40:
        raise ValidationError({"pseudonym": "Choose a name of 2 to 40 characters."})
    if "@" in cleaned:
        raise ValidationError({"pseudonym": "A pseudonym should not be an e-mail address."})


def name_for_viewer(viewer: User, client: User) -> str:
    """What a viewer calls a client: legal name for their therapist, else the pseudonym."""
    if viewer.pk != client.pk and policies.can_see_legal_name(viewer, client):
        legal = client_profile_for(client).legal_name
        if legal:
            return f"{legal} ({client.display_name})" if client.display_name else legal
    return client.display_name or "Anonymous client"


def names_for_viewer(viewer: User, clients: list[User]) -> dict:
    """``name_for_viewer`` for many clients in two queries (list pages); client pk → shown name."""
    treated: set = set()
    if viewer.role == Role.THERAPIST:
        treated = set(
            CareRelationship.objects.filter(
                therapist=viewer, client__in=clients, status=CareRelationship.Status.ACTIVE
            ).values_list("client_id", flat=True)
        )
    legal = {p.user_id: p.legal_name for p in ClientProfile.objects.filter(user_id__in=treated)}
    names = {}
    for client in clients:
        name = legal.get(client.pk, "") if client.pk != viewer.pk else ""
        if name:
            names[client.pk] = f"{name} ({client.display_name})" if client.display_name else name
        else:
            names[client.pk] = client.display_name or "Anonymous client"
    return names


def start_care(client: User, therapist: User) -> CareRelationship:
    """Open (or return) the active care relationship between a client and a therapist.

    Called by scheduling when an intake is booked. Side effect: audit event.
    """
    if client.role != Role.CLIENT or therapist.role != Role.THERAPIST:
        raise ValidationError("Care relationships join a client and a therapist.")
    with transaction.atomic():
        care, created = CareRelationship.objects.get_or_create(
            client=client, therapist=therapist, status=CareRelationship.Status.ACTIVE
        )
        if created:
            record_event(SYSTEM, "care.start", object_type="care", object_id=care.pk, subject=client)
    return care


def end_care(ctx: RequestContext, client: User, therapist: User, *, reason: str) -> bool:
    """End the active care relationship between a client and a therapist, if there is one.

    Called by scheduling when the client's only intake with the therapist is
    cancelled before it took place: a therapist who never saw the client must
    not keep their records, messages or safety alerts. True when one ended.
    Side effect: audit event ``care.end`` with ``reason``.
    """
    with transaction.atomic():
        care = (
            CareRelationship.objects.select_for_update()
            .filter(client=client, therapist=therapist, status=CareRelationship.Status.ACTIVE)
            .first()
        )
        if care is None:
            return False
        care.status, care.ended_at = CareRelationship.Status.ENDED, timezone.now()
        care.save(update_fields=["status", "ended_at", "updated_at"])
        record_event(ctx, "care.end", object_type="care", object_id=care.pk, subject=client, reason=reason)
    return True


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the person once, never stored


def issue_api_token(ctx: RequestContext, user: User, name: str) -> IssuedToken:
    """Create a personal access token; only its SHA-256 digest is kept."""
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise ValidationError({"name": "Give the token a name of up to 80 characters."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=secret[:10], digest=token_digest(secret))
        record_event(ctx, "api_token.create", object_type="api_token", object_id=token.pk)
    return IssuedToken(token, secret)


def revoke_api_token(ctx: RequestContext, token: ApiToken) -> None:
    authorize(ctx, policies.can_manage_token, token, action="api_token.revoke", object_type="api_token")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(secret: str) -> User | None:
    """The active user a presented token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
