"""Authorise a write without paying for a second audit transaction when it is allowed."""

from __future__ import annotations

from django.http import Http404

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.privacy.models import AuditEvent


def require(ctx: RequestContext, policy, target, *, action: str, subject) -> None:
    """Refusals are audited and raise Http404 (via ``authorize``); allowed writes are audited by the caller.

    The caller records its own audit event inside its write transaction (with the
    new object's id), so an allowed write costs one audit append, not two.
    """
    if ctx.user is None or not policy(ctx.user, target):
        authorize(ctx, policy, target, action=action, subject=subject)  # audits the refusal, raises Http404


def refuse(ctx: RequestContext, target, *, action: str, subject) -> None:
    """Audit a refusal decided inside a write transaction (after its rollback) and raise Http404.

    Used when the policy was evaluated on the locked row: re-running it here could
    give another answer (care resumed a moment later) and audit a decision nobody made.
    """
    record_event(
        ctx,
        action,
        object_type=type(target).__name__.lower(),
        object_id=getattr(target, "pk", ""),
        subject=subject,
        outcome=AuditEvent.Outcome.DENIED,
    )
    raise Http404("Not found")
