"""Sign-ins, sign-outs and failed attempts go into the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from confide.privacy.audit import RequestContext, context_from_request, record_event
from confide.privacy.models import AuditEvent


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    ctx = context_from_request(request)
    record_event(RequestContext(user, ctx.ip, ctx.user_agent), "auth.login", object_type="user", object_id=user.pk)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is None or request is None:
        return
    ctx = context_from_request(request)
    record_event(RequestContext(user, ctx.ip, ctx.user_agent), "auth.logout", object_type="user", object_id=user.pk)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted e-mail is not stored: it may belong to nobody, or to a client.
    ctx = context_from_request(request) if request is not None else RequestContext(None)
    record_event(ctx, "auth.login_failed", outcome=AuditEvent.Outcome.DENIED)
