"""Telehealth informed consent: versions, the current one, signing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.intake import policies
from confide.intake.models import ConsentDocument, ConsentSignature
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

MAX_NAME_CHARS = 200


def current_consent_document(kind: str = ConsentDocument.Kind.TELEHEALTH) -> ConsentDocument | None:
    """The highest published version whose publication time has come."""
    return (
        ConsentDocument.objects.filter(kind=kind, published_at__isnull=False, published_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def current_signature(client, kind: str = ConsentDocument.Kind.TELEHEALTH) -> ConsentSignature | None:
    document = current_consent_document(kind)
    if document is None:
        return None
    return ConsentSignature.objects.filter(client=client, document=document).first()


def has_current_telehealth_consent(client) -> bool:
    """True iff the client signed the current published telehealth consent version."""
    if client is None or not getattr(client, "pk", None):
        return False
    return current_signature(client) is not None


def sign_consent(ctx: RequestContext, client, *, document: ConsentDocument, typed_name: str) -> ConsentSignature:
    """Record the client's signature (typed full name, time, IP, user agent) on ``document``.

    Only the current version can be signed. Signing twice returns the first
    signature. Side effects: audit event ``consent.sign``.
    """
    authorize(ctx, policies.can_answer_intake, client, action="consent.sign", subject=client, hide_existence=False)
    name = " ".join((typed_name or "").split())
    if not 2 <= len(name) <= MAX_NAME_CHARS or not any(ch.isalpha() for ch in name):
        raise ValidationError({"typed_name": "Type your full name to sign."})
    current = current_consent_document(document.kind)
    if current is None or current.pk != document.pk:
        raise ValidationError("This consent version is no longer current; please read the new version.")
    with transaction.atomic():
        signature, created = ConsentSignature.objects.get_or_create(
            client=client,
            document=document,
            defaults={"typed_name": name, "ip": ctx.ip or "", "user_agent": (ctx.user_agent or "")[:512]},
        )
        if created:
            record_event(ctx, "consent.sign", object_type="consent_signature", object_id=signature.pk, subject=client)
    return signature
