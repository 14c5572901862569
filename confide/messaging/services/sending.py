"""Sending and editing messages: stored encrypted before the ack, idempotent, sequenced, screened.

The conversation row is locked (``select_for_update``; on SQLite the IMMEDIATE
transaction serialises writers) while the next ``seq`` is taken, so concurrent
senders in several processes never collide and a retry with the same
idempotency key finds the original instead of writing a second copy.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from confide.accounts.models import CareRelationship
from confide.messaging import frames, hours, policies
from confide.messaging.models import Attachment, Conversation, Kind, Message, MessageEdit, TherapistMessagingSettings
from confide.messaging.services.guard import refuse, require
from confide.messaging.services.notices import queue_unread_notice
from confide.messaging.services.reply_settings import reply_settings_for
from confide.privacy.audit import RequestContext, record_event

log = logging.getLogger(__name__)
MAX_CHAT_CHARS = 4000
MAX_LETTER_CHARS = 20_000
MAX_SUBJECT_CHARS = 200
EDIT_WINDOW = timedelta(minutes=5)
SCREENING_SAFETY_NET_DELAY = timedelta(minutes=1)
AUTO_REPLY_QUIET_PERIOD = timedelta(hours=12)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
URGENT_LEVELS = ("high", "moderate")


@dataclass(frozen=True)
class SendResult:
    """The stored message; ``created`` is False for a retry; ``urgent`` asks the UI to show crisis resources."""

    message: Message
    created: bool
    urgent: bool = False
    auto_reply: Message | None = None

    def ack(self) -> dict:
        return {
            "type": "ack",
            "conversation": str(self.message.conversation_id),
            "key": self.message.idempotency_key,
            "id": str(self.message.id),
            "seq": self.message.seq,
            "created_at": self.message.created_at.isoformat(),
            "duplicate": not self.created,
        }


def send_message(
    ctx: RequestContext,
    conversation: Conversation,
    *,
    body: str,
    idempotency_key: str,
    kind: str = Kind.CHAT,
    subject: str = "",
    attachment: tuple[bytes, str, str] | None = None,
    screen_now: bool = True,
) -> SendResult:
    """Store a chat message or letter and tell the conversation.

    Side effects: audit ``message.send`` (refusals too); safety screening of
    client text (``urgent`` escalates: safety event, alerts); an automatic reply
    when the therapist is outside working hours; the recipient's unread e-mail
    is queued; after commit, the frames go to the conversation's channel group.
    A retry with the same ``idempotency_key`` returns the original message.

    One transaction, few round trips (this is the chat's hot path, docs/messaging.md):
    one statement locks the conversation row, reads whether care is active (the
    policy is decided on the locked row) and looks up the idempotency key; the
    audit append comes last, because it takes the audit chain's one lock, which
    every audited write of every process waits for until this transaction commits.

    Screening runs *after* the commit (it must not hold the conversation lock):
    inline with ``screen_now`` (pages, API), or by the caller (the socket acks
    first and screens on its database thread). A durable task written in the
    same transaction screens the message a minute later if nobody did — a crash
    between commit and screening cannot leave client text unscreened.
    """
    body, subject = _clean(body, subject, kind, has_attachment=attachment is not None)
    _check_key(idempotency_key)
    if ctx.user is None:
        refuse(ctx, conversation, action="message.send", subject=conversation.client)
    try:
        result = _send_locked(ctx, conversation, body, idempotency_key, kind, subject, attachment)
    except IntegrityError:
        # The same key committed by a concurrent retry after our lookup's snapshot: return the original.
        existing = Message.objects.filter(
            conversation=conversation, sender=ctx.user, idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return SendResult(existing, created=False, urgent=_was_urgent(existing))
    if result is None:
        refuse(ctx, conversation, action="message.send", subject=conversation.client)
    if result.created and screen_now:
        return replace(result, urgent=screen_after_commit(ctx, result.message))
    return result


def _locked_for_send(conversation, sender_id, key: str) -> Conversation | None:
    """The conversation row, locked, with ``care_active`` and ``existing_id`` (a message with this key) read at once."""
    active = CareRelationship.objects.filter(
        client_id=OuterRef("client_id"), therapist_id=OuterRef("therapist_id"), status=CareRelationship.Status.ACTIVE
    )
    same_key = Message.objects.filter(conversation_id=OuterRef("pk"), sender_id=sender_id, idempotency_key=key)
    rows = (
        Conversation.objects.select_for_update()
        .annotate(care_active=Exists(active), existing_id=Subquery(same_key.values("pk")[:1]))
        .filter(pk=conversation.pk)
        .order_by()
    )
    conv = next(iter(rows), None)
    if conv is not None:
        # The pair never changes: reuse the people the caller already loaded (the socket loads them once).
        for name in ("client", "therapist"):
            if Conversation._meta.get_field(name).is_cached(conversation):
                setattr(conv, name, getattr(conversation, name))
    return conv


def _send_locked(ctx, conversation, body, key, kind, subject, attachment) -> SendResult | None:
    """The write itself; None when the policy refuses (audited by the caller, after this rolled back)."""
    with transaction.atomic():
        conv = _locked_for_send(conversation, ctx.user.pk, key)
        if conv is None or not policies.can_send_message(ctx.user, conv):
            return None
        del conv.care_active  # decided now; this object travels on (message.conversation) and must not vouch later
        if conv.existing_id is not None:
            existing = Message.objects.get(pk=conv.existing_id)
            return SendResult(existing, created=False, urgent=_was_urgent(existing))
        message = _store(conv, ctx.user, kind=kind, subject=subject, body=body, key=key)
        items = [_store_attachment(message, *attachment)] if attachment else []
        auto = None
        if message.sender_id == conv.client_id:
            _queue_screening_safety_net(message)
            auto = _auto_reply_if_away(conv, message)
        queue_unread_notice(conv, conv.other_party_id(ctx.user.pk))
        conv.save(update_fields=["last_seq", "last_message_at", "updated_at"])
        sent = [frames.message_frame(message, items)] + ([frames.message_frame(auto, [])] if auto else [])
        transaction.on_commit(partial(frames.publish, conv.group_name, sent))
        record_event(ctx, "message.send", object_type="message", object_id=message.pk, subject=conv.client)
    return SendResult(message, created=True, auto_reply=auto)


def screen_after_commit(ctx: RequestContext, message: Message) -> bool:
    """The message is stored and acknowledged whatever happens here; a failed screening is retried by the task."""
    try:
        return screen_message(ctx, message)
    except Exception:  # noqa: BLE001 — logged without content; the safety-net task screens it again
        log.exception("screening a stored message failed; the safety-net task will retry")
        return False


def _queue_screening_safety_net(message: Message) -> None:
    """Written in the message's transaction (the task table is in the same database): both or neither."""
    from confide.messaging.tasks import screen_message_later

    screen_message_later.using(run_after=timezone.now() + SCREENING_SAFETY_NET_DELAY).enqueue(str(message.pk))


def screen_message(ctx: RequestContext, message: Message) -> bool:
    """Screen a stored client message once (safe to call twice: the second call does nothing); True when urgent.

    Holds no lock while the screening runs; ``screened_at`` is claimed with a
    conditional UPDATE so the socket's screening and the safety-net task never
    escalate the same message twice.
    """
    conv = message.conversation
    if message.sender_id != conv.client_id:
        return False
    claimed = Message.objects.filter(pk=message.pk, screened_at__isnull=True).update(screened_at=timezone.now())
    if not claimed:
        return _was_urgent(message)
    try:
        with transaction.atomic():
            return _screen(ctx, conv, message, f"{message.subject}\n{message.body}".strip())
    except Exception:
        Message.objects.filter(pk=message.pk).update(screened_at=None)  # the safety net will try again
        raise


def _clean(body: str, subject: str, kind: str, *, has_attachment: bool) -> tuple[str, str]:
    if kind not in (Kind.CHAT, Kind.LETTER):
        raise ValidationError("A message is a chat message or a letter.")
    body = (body if isinstance(body, str) else "").strip()
    subject = (subject if isinstance(subject, str) else "").strip()
    limit = MAX_LETTER_CHARS if kind == Kind.LETTER else MAX_CHAT_CHARS
    if not body and not has_attachment:
        raise ValidationError({"body": "Write a message (it is empty)."})
    if len(body) > limit:
        raise ValidationError({"body": f"A {Kind(kind).label.lower()} can be at most {limit:,} characters long."})
    if kind == Kind.LETTER and not subject:
        raise ValidationError({"subject": "Give your letter a subject."})
    if len(subject) > MAX_SUBJECT_CHARS:
        raise ValidationError({"subject": f"Keep the subject under {MAX_SUBJECT_CHARS} characters."})
    return body, subject if kind == Kind.LETTER else ""


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ValidationError({"idempotency_key": "The idempotency key must be 8–64 letters, digits, - or _."})


def _store(conv: Conversation, sender, *, kind: str, subject: str, body: str, key: str) -> Message:
    """Take the next seq of the (locked) conversation and write the message."""
    conv.last_seq += 1
    now = timezone.now()
    conv.last_message_at = now
    return Message.objects.create(
        conversation=conv,
        seq=conv.last_seq,
        version_seq=conv.last_seq,
        sender=sender,
        kind=kind,
        subject=subject,
        body=body,
        idempotency_key=key,
        created_at=now,
    )


def _store_attachment(message: Message, data: bytes, content_type: str, name: str) -> Attachment:
    from django.core.files.base import ContentFile

    attachment = Attachment(
        conversation_id=message.conversation_id,
        message=message,
        content_type=content_type,
        size=len(data),
        original_name=name[:200],
    )
    attachment.file.save("upload.bin", ContentFile(data), save=False)
    attachment.save()
    return attachment


def _screen(ctx: RequestContext, conv: Conversation, message: Message, text: str) -> bool:
    """Client text goes through the safety service; True when it was urgent."""
    if message.sender_id != conv.client_id or not text:
        return False
    from confide.safety.escalation import screen_client_text

    screening = screen_client_text(ctx, conv.client, text, source="message", source_ref=str(message.id))
    return screening.level == "urgent"


def _was_urgent(message: Message) -> bool:
    from confide.safety.models import SafetyEvent

    return SafetyEvent.objects.filter(source_ref=str(message.id), level__in=URGENT_LEVELS).exists()


def _auto_reply_if_away(conv: Conversation, message: Message) -> Message | None:
    """Outside the therapist's working hours, a client's message gets one automatic reply per quiet period."""
    if message.sender_id != conv.client_id:
        return None
    prefs = reply_settings_for(conv.therapist)
    now = message.created_at
    if not prefs.auto_reply_enabled or hours.is_working(prefs, hours.zone_of(conv.therapist), now):
        return None
    recent = Message.objects.filter(
        conversation=conv, kind=Kind.AUTO_REPLY, created_at__gte=now - AUTO_REPLY_QUIET_PERIOD
    )
    if recent.exists():
        return None
    body = auto_reply_text(prefs, conv.therapist, conv.client, now)
    return _store(conv, conv.therapist, kind=Kind.AUTO_REPLY, subject="", body=body, key=f"auto-{message.id.hex}")


def auto_reply_text(prefs: TherapistMessagingSettings, therapist, client, now) -> str:
    """“… expect an answer by <time in the client's zone>. If you need urgent help: <crisis link>”."""
    answer_by = hours.expected_answer_by(prefs, hours.zone_of(therapist), now)
    opening = prefs.auto_reply_text.strip() or "Thank you for your message. I am outside my working hours right now."
    help_link = settings.SITE_URL + reverse("get_help")
    return (
        f"{opening} You can expect an answer by {hours.when_text(answer_by, hours.zone_of(client))}. "
        f"If you need urgent help, do not wait for me: {help_link}"
    )


@dataclass(frozen=True)
class EditResult:
    message: Message
    urgent: bool = False


def edit_message(ctx: RequestContext, message: Message, body: str) -> EditResult:
    """Change a message's text within 5 minutes; the old text is kept and the edit gets its own seq.

    Side effects: audit ``message.edit``; ``MessageEdit`` row (encrypted previous
    text); safety screening of client text; after commit, an edit frame.
    """
    conv = message.conversation
    require(ctx, policies.can_edit_message, message, action="message.edit", subject=conv.client)
    body, _ = _clean(body, "", message.kind if message.kind == Kind.LETTER else Kind.CHAT, has_attachment=False)
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conv.pk)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.kind == Kind.AUTO_REPLY or timezone.now() - message.created_at > EDIT_WINDOW:
            raise ValidationError("Messages can only be edited in the first 5 minutes after sending.")
        if body == message.body:
            return EditResult(message)
        conv.last_seq += 1
        MessageEdit.objects.create(message=message, seq=conv.last_seq, previous_body=message.body)
        message.body, message.version_seq, message.edited_at = body, conv.last_seq, timezone.now()
        message.save(update_fields=["body", "version_seq", "edited_at"])
        conv.save(update_fields=["last_seq", "updated_at"])
        record_event(ctx, "message.edit", object_type="message", object_id=message.pk, subject=conv.client)
        urgent = _screen(ctx, conv, message, body)
        transaction.on_commit(partial(frames.publish, conv.group_name, [frames.edit_frame(message)]))
    return EditResult(message, urgent)
