"""Reading conversations: the list with unread counts, history, resync after a seq, read receipts, search.

Audit granularity (docs/messaging.md): opening a conversation (page, API list,
socket connect) and each resync is one ``conversation.open`` / ``conversation.sync``
event; messages pushed live to an open socket are covered by its open event,
not audited one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from confide.accounts.models import CareRelationship, Role
from confide.messaging import frames, policies
from confide.messaging.models import Conversation, Message, ReadState
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

SYNC_PAGE = 500
HISTORY_PAGE = 200
SEARCH_SCAN_LIMIT = 20_000
SEARCH_RESULTS = 50


def conversations_for(user) -> list[Conversation]:
    """The user's conversations; one is created for each active care relationship that has none yet."""
    role = getattr(user, "role", None)
    if role not in (Role.CLIENT, Role.THERAPIST):
        return []
    mine = Q(client=user) if role == Role.CLIENT else Q(therapist=user)
    cares = CareRelationship.objects.filter(mine, status=CareRelationship.Status.ACTIVE)
    existing = set(Conversation.objects.filter(mine).values_list("client_id", "therapist_id"))
    for pair in cares.values_list("client_id", "therapist_id"):
        if pair not in existing:
            Conversation.objects.get_or_create(client_id=pair[0], therapist_id=pair[1])
    return list(Conversation.objects.filter(mine).select_related("client", "therapist"))


def open_conversation(ctx: RequestContext, conversation: Conversation, *, action: str = "conversation.open"):
    """Authorise a participant and audit the read (Http404 for anyone else)."""
    return authorize(ctx, policies.can_read_conversation, conversation, action=action, subject=conversation.client)


def history(conversation: Conversation, *, limit: int = HISTORY_PAGE) -> list[Message]:
    """The latest messages, oldest first (the caller has authorised and audited the read)."""
    latest = Message.objects.filter(conversation=conversation).select_related("sender").order_by("-seq")[:limit]
    messages = list(latest.prefetch_related("attachments"))
    messages.reverse()
    return messages


@dataclass(frozen=True)
class Changes:
    frames: list[dict]
    upto: int
    more: bool


def changes_after(conversation: Conversation, after: int, *, limit: int = SYNC_PAGE) -> Changes:
    """Everything that happened after ``after``: new messages (current text) and edits of older ones.

    ``upto`` is the position the reader has now seen completely; with ``more``
    the reader asks again from ``upto``. A message edited after ``upto`` is
    sent with its current text and its edit frame comes again later: applying
    an edit is idempotent, delivering a message never is, so only edits repeat.
    """
    after = max(0, int(after))
    # Read the conversation's position FIRST and never return more than that: the message that
    # takes seq n commits together with last_seq = n, so every seq up to ``last`` is already
    # visible to the query below. (Reading it last would let a message committed in between
    # count as seen without being in the reply — a permanent gap for a polling reader.)
    last = Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True).first() or 0
    after = min(after, last)
    in_conv = Message.objects.filter(conversation=conversation).prefetch_related("attachments")
    new = list(in_conv.filter(seq__gt=after, seq__lte=last).order_by("seq")[: limit + 1])
    more = len(new) > limit
    new = new[:limit]
    upto = new[-1].seq if more else last
    edited = in_conv.filter(seq__lte=after, version_seq__gt=after, version_seq__lte=upto)
    events = [(m.seq, frames.message_frame(m)) for m in new]
    events += [(m.version_seq, frames.edit_frame(m)) for m in edited]
    events.sort(key=lambda pair: pair[0])
    return Changes([frame for _, frame in events], upto, more)


def mark_read(ctx: RequestContext, conversation: Conversation, seq: int) -> int:
    """Move the reader's read marker forward (never back) and tell the other side (a read receipt).

    Not audited: it records that something was read, not a new read of content
    (the content's read is the conversation's open/sync event).
    """
    if ctx.user is None or not policies.can_read_conversation(ctx.user, conversation):
        authorize(ctx, policies.can_read_conversation, conversation, action="conversation.read_receipt")
    last = Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True).first() or 0
    seq = max(0, min(int(seq), last))
    with transaction.atomic():
        state, _ = ReadState.objects.get_or_create(conversation=conversation, user=ctx.user)
        if seq <= state.last_read_seq:
            return state.last_read_seq
        ReadState.objects.filter(pk=state.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
        frame = frames.read_frame(conversation.pk, ctx.user.pk, seq)
        transaction.on_commit(partial(frames.publish, conversation.group_name, [frame]))
    return seq


def unread_counts(user, conversations: list[Conversation]) -> dict:
    """{conversation id: messages from the other person after the user's read marker}, in one query."""
    if not conversations:
        return {}
    marker = ReadState.objects.filter(conversation=OuterRef("conversation"), user=user).values("last_read_seq")
    rows = (
        Message.objects.filter(conversation__in=conversations)
        .exclude(sender=user)
        .annotate(marker=Coalesce(Subquery(marker[:1]), Value(0)))
        .filter(seq__gt=F("marker"))
        .values("conversation")
        .annotate(n=Count("id"))
    )
    counts = {c.pk: 0 for c in conversations}
    counts.update({row["conversation"]: row["n"] for row in rows})
    return counts


@dataclass(frozen=True)
class Hit:
    conversation: Conversation
    message: Message


def search_history(ctx: RequestContext, user, query: str) -> list[Hit]:
    """Find ``query`` in the user's own conversations.

    Bodies are encrypted, so SQL cannot search them: each of the person's
    conversations is decrypted in Python and matched case-insensitively — fine
    at a therapy practice's volumes (capped at ``SEARCH_SCAN_LIMIT`` messages).
    One audit event per conversation searched.
    """
    needle = (query or "").strip().casefold()
    if len(needle) < 2:
        return []
    hits: list[Hit] = []
    scanned = 0
    for conv in conversations_for(user):
        if not policies.can_read_conversation(user, conv):
            continue
        record_event(ctx, "conversation.search", object_type="conversation", object_id=conv.pk, subject=conv.client)
        for message in Message.objects.filter(conversation=conv).order_by("-seq")[: SEARCH_SCAN_LIMIT - scanned]:
            scanned += 1
            if needle in message.body.casefold() or needle in message.subject.casefold():
                hits.append(Hit(conv, message))
                if len(hits) >= SEARCH_RESULTS:
                    return hits
    return hits
