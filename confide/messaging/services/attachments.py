"""Attachments: images (PNG, JPEG, WebP) and PDF, checked by content, stored encrypted, read by participants only."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError

from confide.messaging import policies
from confide.messaging.models import Attachment
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
ALLOWED_TEXT = "Attach a PNG, JPEG or WebP image or a PDF."


def checked_upload(upload) -> tuple[bytes, str, str]:
    """Read an uploaded file and decide its type by its bytes, never by its name or the browser's word.

    Returns ``(data, content_type, original_name)`` for ``send_message(attachment=...)``.
    """
    limit = settings.MESSAGE_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"attachment": f"The file is too large: the limit is {limit // (1024 * 1024)} MB."})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"attachment": f"The file is too large: the limit is {limit // (1024 * 1024)} MB."})
    return data, content_type_of(data), (getattr(upload, "name", "") or "attachment")[:200]


def content_type_of(data: bytes) -> str:
    if not data:
        raise ValidationError({"attachment": "The file is empty."})
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except Exception:  # noqa: BLE001 — Pillow raises many types for non-images and bombs
        raise ValidationError({"attachment": ALLOWED_TEXT}) from None
    if kind not in IMAGE_TYPES:
        raise ValidationError({"attachment": ALLOWED_TEXT})
    return IMAGE_TYPES[kind]


def open_attachment(ctx: RequestContext, attachment: Attachment) -> bytes:
    """Decrypted bytes for a participant (audited ``message_attachment.view``); Http404 for anyone else."""
    conv = attachment.conversation
    authorize(
        ctx,
        policies.can_read_conversation,
        conv,
        action="message_attachment.view",
        object_type="message_attachment",
        object_id=attachment.pk,
        subject=conv.client,
    )
    with attachment.file.open("rb") as handle:
        return handle.read()
