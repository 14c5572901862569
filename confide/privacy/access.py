"""Authorise-and-audit: the one way code reaches protected data.

A *policy* is a plain function ``(user, target) -> bool`` named after the
permission it grants (``can_view_client_record``). Views, API handlers and
WebSocket consumers call :func:`authorize` with the same policy, so the rules
cannot drift between them, and every decision — allowed or denied — lands in
the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404

from confide.privacy.audit import RequestContext, record_event
from confide.privacy.models import AuditEvent

T = TypeVar("T")
Policy = Callable[[object, T], bool]


class AccessDenied(PermissionDenied):
    """Raised when a policy refuses; views turn it into 403 (or 404, see below)."""


def authorize(
    ctx: RequestContext,
    policy: Policy[T],
    target: T,
    *,
    action: str,
    subject=None,
    object_type: str = "",
    object_id: object = "",
    hide_existence: bool = True,
) -> T:
    """Check ``policy(ctx.user, target)``, audit the decision, return the target.

    With ``hide_existence`` a refusal raises Http404, so a wrong owner learns
    nothing about whether the object exists; otherwise AccessDenied (403).
    """
    allowed = bool(ctx.user is not None and policy(ctx.user, target))
    record_event(
        ctx,
        action,
        object_type=object_type or type(target).__name__.lower(),
        object_id=object_id or getattr(target, "pk", ""),
        subject=subject,
        outcome=AuditEvent.Outcome.ALLOWED if allowed else AuditEvent.Outcome.DENIED,
    )
    if allowed:
        return target
    if hide_existence:
        raise Http404("Not found")
    raise AccessDenied("You do not have permission to do that.")
