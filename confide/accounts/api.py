"""Account endpoints: who am I, and my access tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from confide.accounts import services
from confide.accounts.models import ApiToken
from confide.core.schemas import StrictSchema
from confide.privacy.audit import context_from_request

router = Router()


class MeOut(StrictSchema):
    id: UUID
    email: str
    role: str
    display_name: str
    time_zone: str
    mfa_enrolled: bool


class TokenOut(StrictSchema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.get("/me", response=MeOut, summary="The signed-in person")
def me(request):
    from confide.accounts.policies import has_mfa

    user = request.auth
    return MeOut(
        id=user.pk,
        email=user.email,
        role=user.role,
        display_name=user.display_name,
        time_zone=user.time_zone,
        mfa_enrolled=has_mfa(user),
    )


@router.get("/me/tokens", response=list[TokenOut], summary="My personal access tokens (never the secrets)")
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.auth))


@router.post("/me/tokens/{token_id}/revoke", response={204: None}, summary="Revoke one of my tokens")
def revoke_token(request, token_id: UUID):
    token = get_object_or_404(ApiToken, pk=token_id)
    services.revoke_api_token(context_from_request(request), token)
    return Status(204, None)
