"""The JSON frames of the chat protocol (docs/messaging.md) and their delivery over the channel layer.

The same frame shapes are sent over the socket, returned by a resync and by the
API, so every client handles one format. Frames travel through the channel layer
(Redis with several processes) **encrypted** with the data key: the bus never
holds message text in clear (``event_for``).
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.urls import reverse

from confide.core import jsontext
from confide.privacy.crypto import decrypt_text, encrypt_text

log = logging.getLogger(__name__)
EVENT_CONTEXT = "messaging.channel-event"
EVENT_TYPE = "conversation.frames"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def attachment_frame(attachment) -> dict:
    return {
        "id": str(attachment.id),
        "content_type": attachment.content_type,
        "size": attachment.size,
        "name": attachment.original_name or "attachment",
        "url": reverse("messaging_attachment", args=[attachment.conversation_id, attachment.id]),
    }


def message_frame(message, attachments=None) -> dict:
    """A message as the reader sees it now (current text; ``edited_at`` set when it was edited)."""
    items = attachments if attachments is not None else list(message.attachments.all())
    return {
        "type": "message",
        "conversation": str(message.conversation_id),
        "seq": message.seq,
        "version_seq": message.version_seq,
        "id": str(message.id),
        "sender": str(message.sender_id),
        "kind": message.kind,
        "subject": message.subject,
        "body": message.body,
        "key": message.idempotency_key,
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "attachments": [attachment_frame(a) for a in items],
    }


def edit_frame(message) -> dict:
    """An edit event: its ``seq`` is the edit's own place in the conversation."""
    return {
        "type": "edit",
        "conversation": str(message.conversation_id),
        "seq": message.version_seq,
        "id": str(message.id),
        "message_seq": message.seq,
        "body": message.body,
        "edited_at": _iso(message.edited_at),
    }


def read_frame(conversation_id, user_id, seq: int) -> dict:
    return {"type": "read", "conversation": str(conversation_id), "user": str(user_id), "seq": seq}


def event_for(frames: list[dict], layer) -> dict:
    """The channel-layer event for some frames: each as the exact socket text, with its sender and key.

    Every receiving socket sends the text as it is (serialised once, not once
    per socket) and skips its own messages by sender and key (the echo rule,
    ``ChatConsumer._own_echo``) without opening them. On a layer that leaves
    the process (Redis) the whole event is **sealed** with the data key: the
    bus never holds message text in clear. The in-process layer is this
    process's memory, which holds the text anyway: sealing it there bought
    nothing and cost an encryption per burst and a decryption per socket.
    """
    items = tuple(
        (
            frame.get("sender") if frame.get("type") == "message" else None,
            frame.get("key"),
            jsontext.dumps(frame),
        )
        for frame in frames
    )
    if isinstance(layer, InMemoryChannelLayer):
        return {"type": EVENT_TYPE, "items": items}
    return {"type": EVENT_TYPE, "sealed": encrypt_text(jsontext.dumps(items), context=EVENT_CONTEXT)}


def opened(event: dict) -> list[tuple[str | None, str | None, str]]:
    """``(sender, key, socket text)`` of each frame of an event (raises if a sealed event cannot be opened)."""
    if "items" in event:
        return list(event["items"])
    return [tuple(item) for item in jsontext.loads(decrypt_text(event["sealed"], context=EVENT_CONTEXT))]


def publish(group: str, frames: list[dict]) -> None:
    """Send frames to everyone connected to a conversation (call from ``transaction.on_commit``).

    A failure of the bus must not turn a stored message into an error for the
    sender: the message is safe in the database and reaches readers by resync.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event_for(frames, layer))
    except Exception:  # noqa: BLE001 — delivery is best effort; resync is the guarantee
        log.warning("could not publish %d frame(s) to a conversation group", len(frames), exc_info=True)


async def publish_async(group: str, frames: list[dict]) -> None:
    """``publish`` from the event loop (the socket's send queue): no thread hop."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, event_for(frames, layer))
    except Exception:  # noqa: BLE001 — delivery is best effort; resync is the guarantee
        log.warning("could not publish %d frame(s) to a conversation group", len(frames), exc_info=True)


async def publish_all(publications: list[tuple[str, list[dict]]]) -> None:
    """Publish a burst's ``(group, frames)``: in order within a conversation, conversations side by side.

    On Redis each ``group_send`` is a few round trips; made one conversation after
    another they added up to the burst's delivery time. The in-process layer only
    appends to queues, so there it stays a plain loop (no task per conversation).
    """
    if len(publications) < 2 or isinstance(get_channel_layer(), InMemoryChannelLayer):
        for group, sent in publications:
            await publish_async(group, sent)
        return
    by_group: dict[str, list[list[dict]]] = {}
    for group, sent in publications:
        by_group.setdefault(group, []).append(sent)
    await asyncio.gather(*(_publish_in_order(group, batches) for group, batches in by_group.items()))


async def _publish_in_order(group: str, batches: list[list[dict]]) -> None:
    for sent in batches:
        await publish_async(group, sent)
