"""Messaging endpoints: the same services and policies as the pages and the socket (docs/messaging.md).

Frames returned by ``GET …/messages`` have the socket's shapes, so one client
handles both; the socket is the fast path, this API the fallback and the
integration surface.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from confide.core.schemas import StrictSchema
from confide.messaging import policies, services
from confide.messaging.models import Conversation, Message
from confide.messaging.ratelimit import rate_limited
from confide.messaging.views import other_party_name
from confide.privacy.audit import context_from_request

router = Router()


class ConversationOut(Schema):
    id: UUID
    client_id: UUID
    therapist_id: UUID
    with_name: str
    unread: int
    can_send: bool
    last_seq: int
    last_message_at: datetime | None


class ChangesOut(Schema):
    after: int
    upto: int
    more: bool
    frames: list[dict[str, Any]]


class SendIn(StrictSchema):
    body: str = Field("", max_length=25_000)
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    kind: Literal["chat", "letter"] = "chat"
    subject: str = Field("", max_length=500)


class AckOut(Schema):
    type: str
    conversation: UUID
    key: str
    id: UUID
    seq: int
    created_at: datetime
    duplicate: bool
    crisis: dict[str, Any] | None = None


class ReadIn(StrictSchema):
    seq: int = Field(ge=0)


class ReadOut(Schema):
    seq: int


class EditIn(StrictSchema):
    body: str = Field(max_length=25_000)


def _within_rate(request) -> None:
    """The socket's per-person budget applies here too, so a flood cannot go around it over HTTP."""
    wait = rate_limited(request.auth.pk)
    if wait:
        raise HttpError(429, f"You are sending too fast; wait {wait} seconds and try again.")


def _open(request, conversation_id: UUID, action: str = "conversation.open") -> Conversation:
    conv = get_object_or_404(Conversation.objects.select_related("client", "therapist"), pk=conversation_id)
    return services.open_conversation(context_from_request(request), conv, action=action)


@router.get("/conversations", response=list[ConversationOut], summary="My conversations with unread counts")
def list_conversations(request):
    user = request.auth
    conversations = services.conversations_for(user)
    counts = services.unread_counts(user, conversations)
    return [
        ConversationOut(
            id=c.pk,
            client_id=c.client_id,
            therapist_id=c.therapist_id,
            with_name=other_party_name(user, c),
            unread=counts.get(c.pk, 0),
            can_send=policies.can_send_message(user, c),
            last_seq=c.last_seq,
            last_message_at=c.last_message_at,
        )
        for c in conversations
    ]


@router.get(
    "/conversations/{conversation_id}/messages",
    response=ChangesOut,
    summary="Messages and edits after a sequence number (resync)",
)
def list_messages(request, conversation_id: UUID, after: int = Query(0, ge=0), limit: int = Query(200, ge=1, le=500)):
    conv = _open(request, conversation_id, action="conversation.sync")
    changes = services.changes_after(conv, after, limit=limit)
    return ChangesOut(after=after, upto=changes.upto, more=changes.more, frames=changes.frames)


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: AckOut, 201: AckOut},
    summary="Send a message (idempotent: a retry with the same key returns the original)",
)
def send_message(request, conversation_id: UUID, payload: SendIn):
    _within_rate(request)
    conv = get_object_or_404(Conversation.objects.select_related("client", "therapist"), pk=conversation_id)
    ctx = context_from_request(request)
    result = services.send_message(
        ctx,
        conv,
        body=payload.body,
        idempotency_key=payload.idempotency_key,
        kind=payload.kind,
        subject=payload.subject,
    )
    ack = result.ack()
    if result.urgent:
        from confide.safety.escalation import crisis_resources_for_client

        ack["crisis"] = asdict(crisis_resources_for_client(request.auth))
    return Status(201 if result.created else 200, AckOut(**ack))


@router.post("/conversations/{conversation_id}/read", response=ReadOut, summary="Mark messages read up to a seq")
def mark_read(request, conversation_id: UUID, payload: ReadIn):
    conv = get_object_or_404(Conversation.objects.select_related("client"), pk=conversation_id)
    return ReadOut(seq=services.mark_read(context_from_request(request), conv, payload.seq))


@router.patch(
    "/conversations/{conversation_id}/messages/{message_id}",
    response=dict[str, Any],
    summary="Edit my message (within 5 minutes; the earlier text is kept)",
)
def edit_message(request, conversation_id: UUID, message_id: UUID, payload: EditIn):
    _within_rate(request)
    conv = get_object_or_404(Conversation, pk=conversation_id)
    message = get_object_or_404(
        Message.objects.select_related("conversation__client"), pk=message_id, conversation=conv
    )
    result = services.edit_message(context_from_request(request), message, payload.body)
    from confide.messaging.frames import edit_frame

    return edit_frame(result.message)
