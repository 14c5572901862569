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
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from confide.core import jsontext
from confide.core.sql import pipelined
from confide.messaging import frames, hours, policies
from confide.messaging.models import Attachment, Conversation, Kind, Message, MessageEdit, TherapistMessagingSettings
from confide.messaging.services import sendsql
from confide.messaging.services.guard import refuse, require
from confide.messaging.services.notices import queue_unread_notices
from confide.messaging.services.reply_settings import reply_settings_for
from confide.privacy.audit import AuditEntry, RequestContext, record_event, record_events

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
    """The stored message; ``created`` is False for a retry; ``urgent`` asks the UI to show crisis resources.

    ``needs_screening``: a client message the pre-screen flagged (concern or urgent) whose escalation
    has not run yet — ``screen_message`` does it (the caller, or the safety-net task).
    """

    message: Message
    created: bool
    urgent: bool = False
    auto_reply: Message | None = None
    needs_screening: bool = False

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


@dataclass
class SendRequest:
    """One message to store: who sends it (``ctx``), where, and what."""

    ctx: RequestContext
    conversation: Conversation
    body: str
    idempotency_key: str
    kind: str = Kind.CHAT
    subject: str = ""
    attachment: tuple[bytes, str, str] | None = None
    level: str = ""  # the pre-screen of client text ("none", "concern", "urgent"); "" = not screened


class Refused(Exception):
    """The policy refused this request on the locked row; audited after the transaction."""


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
    Raises ``ValidationError`` for bad input and ``Http404`` when refused.

    ``screen_now=False``: the caller escalates a flagged message itself
    (``needs_screening``; the socket acks first, then escalates).
    """
    request = SendRequest(ctx, conversation, body, idempotency_key, kind, subject, attachment)
    outcome = send_messages([request], screen_now=screen_now)[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def send_messages(
    requests: list[SendRequest], *, screen_now: bool = True, publications: list | None = None
) -> list[SendResult | Exception]:
    """Store several messages in ONE transaction (group commit); one outcome per request, in order.

    Why: every message costs a conversation lock, an audit append (the chain's
    one lock) and a commit; a chat server under load pays those once per burst
    instead (docs/messaging.md, "Group commit"). The guarantees are those of a
    single send: each message is stored encrypted before its ack, keys are
    idempotent, seq is gapless per conversation, one audit event per message.

    Client text is screened here *before* the transaction (pure computation, no
    lock held): a message found ``none`` is stored already marked screened; a
    flagged one is stored with a durable safety-net task in the same
    transaction and escalated after the commit (``screen_now``) or by the caller.

    If the batch fails as a whole (a key committed by another process at the
    same moment, a deadlock), every request is retried on its own, so one bad
    request never fails the others.

    ``publications``: when a list is given, the committed ``(group, frames)``
    are appended to it for the caller to publish (the socket's event loop does
    it without a thread hop); otherwise they are published after the commit.
    """
    outcomes: list[SendResult | Exception | None] = [None] * len(requests)
    ready = []
    for index, request in enumerate(requests):
        problem = _prepare(request)
        if problem is None:
            ready.append((index, request))
        else:
            outcomes[index] = problem
    if ready:
        try:
            stored = _store_batch([r for _, r in ready], publications)
        except DatabaseError:
            stored = [_store_alone(r, publications) for _, r in ready]
        for (index, request), outcome in zip(ready, stored, strict=True):
            outcomes[index] = _finish(request, outcome, screen_now)
    return outcomes  # type: ignore[return-value]


def _prepare(request: SendRequest) -> Exception | None:
    """Validate and pre-screen one request (no database): the problem, or None when it can be stored."""
    try:
        request.body, request.subject = _clean(
            request.body, request.subject, request.kind, has_attachment=request.attachment is not None
        )
        _check_key(request.idempotency_key)
    except ValidationError as exc:
        return exc
    if request.ctx.user is None:
        return _refusal(request)
    if request.ctx.user.pk == request.conversation.client_id:
        request.level = _pre_screen(f"{request.subject}\n{request.body}".strip())
    return None


def _pre_screen(text: str) -> str:
    """The screening level of client text, or "" when screening failed (the safety-net task retries)."""
    from confide.safety.screening import screen_text

    try:
        return screen_text(text).level if text else "none"
    except Exception:  # noqa: BLE001 — logged without content; stored unscreened, the safety net screens it
        log.exception("pre-screening a client message failed; the safety-net task will screen it")
        return ""


def _store_alone(request: SendRequest, publications: list | None) -> SendResult | Exception:
    """One request in its own transaction; a key committed concurrently returns the original message."""
    try:
        return _store_batch([request], publications)[0]
    except IntegrityError:
        user = request.ctx.user
        existing = Message.objects.filter(
            conversation=request.conversation, sender=user, idempotency_key=request.idempotency_key
        ).first()
        if existing is None:
            raise
        return SendResult(existing, created=False, urgent=_was_urgent(existing))


def _finish(request: SendRequest, outcome, screen_now: bool) -> SendResult | Exception:
    """After the commit: audit refusals, escalate flagged client text when asked to."""
    if isinstance(outcome, Refused):
        return _refusal(request)
    if isinstance(outcome, SendResult) and outcome.needs_screening and screen_now:
        return replace(outcome, urgent=screen_after_commit(request.ctx, outcome.message), needs_screening=False)
    return outcome


def _refusal(request: SendRequest) -> Exception:
    conv = request.conversation
    try:
        refuse(request.ctx, conv, action="message.send", subject=conv.client)
    except Http404 as exc:
        return exc
    return Http404("Not found")  # pragma: no cover — refuse() always raises


def _locked_conversations(requests: list[SendRequest], rows: dict) -> dict:
    """The batch's conversations, locked in id order (no deadlock between processes), as fresh objects.

    ``rows``: what ``sendsql.start_lock_conversations`` read on the locked rows.
    Each object carries ``care_active`` read there (the policy decides on it)
    and the people the caller already loaded (the pair never changes).
    """
    locked: dict = {}
    for request in requests:
        original = request.conversation
        if original.pk in locked or original.pk not in rows:
            continue
        last_seq, care_active = rows[original.pk]
        conv = Conversation(
            id=original.pk,
            client_id=original.client_id,
            therapist_id=original.therapist_id,
            last_seq=last_seq,
            last_message_at=original.last_message_at,
            created_at=original.created_at,
            updated_at=original.updated_at,
        )
        conv.care_active = care_active
        for name in ("client", "therapist"):
            field = Conversation._meta.get_field(name)
            if field.is_cached(original):
                field.set_cached_value(conv, field.get_cached_value(original))
        locked[conv.pk] = conv
    return locked


def _store_batch(requests: list[SendRequest], publications: list | None = None) -> list[SendResult | Refused]:
    """The write itself: one transaction for the whole batch (see ``send_messages``).

    On PostgreSQL the whole transaction is pipelined (``confide.core.sql``): its
    locks and lookups come back in one round trip; the inserts and the counters
    go out with the audit head's lock in a second; the audit run goes out with
    the COMMIT in a third. Lock order as everywhere: conversations, read states,
    the audit head (last: every audited write of every process shares it).
    """
    with pipelined(), transaction.atomic():
        ids = [r.conversation.pk for r in requests]
        locking = sendsql.start_lock_conversations(ids)
        looking = sendsql.start_existing_keys(ids, [r.idempotency_key for r in requests])
        reading = sendsql.start_lock_read_states(ids)
        convs, existing, read_states = _locked_conversations(requests, locking()), looking(), reading()
        now = timezone.now()
        outcomes: list = []
        new: list[Message] = []
        seen: dict = {}
        autos: dict = {}
        for request in requests:
            conv = convs.get(request.conversation.pk)
            user = request.ctx.user
            if conv is None or not policies.can_send_message(user, conv):
                outcomes.append(Refused())
                continue
            triple = (conv.pk, user.pk, request.idempotency_key)
            if triple in seen:  # the same key twice in one burst: the second is a retry of the first
                outcomes.append(replace(seen[triple], created=False))
                continue
            if triple in existing:
                original = Message.objects.get(pk=existing[triple])
                outcomes.append(SendResult(original, created=False, urgent=_was_urgent(original)))
                continue
            message = _new_message(conv, user, request, now)
            new.append(message)
            auto = None
            if user.pk == conv.client_id and conv.pk not in autos:
                autos[conv.pk] = auto = _auto_reply_if_away(conv, message)
                if auto is not None:
                    new.append(auto)
            result = SendResult(message, created=True, auto_reply=auto, needs_screening=_flagged(request))
            seen[triple] = result
            outcomes.append(result)
        if new:
            _write(requests, outcomes, convs, new, now, publications, read_states)
    for conv in convs.values():  # decided now; these objects travel on (message.conversation) and must not vouch later
        conv.__dict__.pop("care_active", None)
    return outcomes


def _flagged(request: SendRequest) -> bool:
    """Client text that still needs the escalation step (flagged, or its pre-screen failed)."""
    return request.ctx.user.pk == request.conversation.client_id and request.level != "none"


def _write(requests, outcomes, convs: dict, new: list[Message], now, publications, read_states) -> None:
    """Insert the batch's messages, attachments, tasks, notices, sequence counters and audit events.

    ``read_states``: what the batch locked with its conversations. Nothing here
    waits for a result but the audit head's lock (no ``RETURNING``), so on
    PostgreSQL the statements travel with it and with the COMMIT; the rare extra
    rows (an attachment, a safety-net task, the first unread notice of a
    streak) cost a round trip of their own.
    """
    touched = {m.conversation_id: convs[m.conversation_id] for m in new}
    for conv in touched.values():
        conv.updated_at = now
    sendsql.insert_messages(new)
    sendsql.save_counters([(conv.pk, conv.last_seq, now) for conv in touched.values()])
    arrivals = [(convs[m.conversation_id], m.conversation_id, _recipient(convs, m)) for m in new]
    queue_unread_notices(arrivals, read_states=read_states)
    published: dict = {}
    entries = []
    for request, outcome in zip(requests, outcomes, strict=True):
        if not isinstance(outcome, SendResult) or not outcome.created:
            continue
        message, conv = outcome.message, convs[request.conversation.pk]
        items = [_store_attachment(message, *request.attachment)] if request.attachment else []
        if outcome.needs_screening:
            _queue_screening_safety_net(message)
        sent = published.setdefault(conv.pk, [])
        sent.append(frames.message_frame(message, items))
        if outcome.auto_reply is not None:
            sent.append(frames.message_frame(outcome.auto_reply, []))
        entries.append(
            AuditEntry(request.ctx, "message.send", object_type="message", object_id=message.pk, subject=conv.client)
        )
    for conv in touched.values():
        if publications is None:
            transaction.on_commit(partial(frames.publish, conv.group_name, published[conv.pk]))
        else:
            transaction.on_commit(partial(publications.append, (conv.group_name, published[conv.pk])))
    record_events(entries, read_ids=False)  # locks the audit head last: the one lock all audited writes share


def _recipient(convs: dict, message: Message):
    return convs[message.conversation_id].other_party_id(message.sender_id)


def _new_message(conv: Conversation, user, request: SendRequest, now) -> Message:
    """Take the next seq of the (locked) conversation; not saved yet (the batch is inserted at once)."""
    conv.last_seq += 1
    conv.last_message_at = now
    return Message(
        conversation=conv,
        seq=conv.last_seq,
        version_seq=conv.last_seq,
        sender=user,
        kind=request.kind,
        subject=request.subject,
        body=request.body,
        idempotency_key=request.idempotency_key,
        created_at=now,
        screened_at=now if request.level == "none" and user.pk == conv.client_id else None,
    )


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
    if not jsontext.storable(body) or not jsontext.storable(subject):  # JSON can carry half a surrogate pair
        raise ValidationError({"body": "The message has characters that cannot be stored; remove them and try again."})
    return body, subject if kind == Kind.LETTER else ""


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ValidationError({"idempotency_key": "The idempotency key must be 8–64 letters, digits, - or _."})


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
    request = SendRequest(
        RequestContext(user=conv.therapist),
        conv,
        body=auto_reply_text(prefs, conv.therapist, conv.client, now),
        idempotency_key=f"auto-{message.id.hex}",
        kind=Kind.AUTO_REPLY,
    )
    return _new_message(conv, conv.therapist, request, now)


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
