"""Messaging's part of a client's data export: their conversations, messages, letters and edit history."""

from __future__ import annotations

from confide.messaging.models import Conversation, Message, MessageEdit
from confide.privacy.audit import record_event


def collect(ctx, client) -> dict:
    """Called by accounts.transparency.export_client_data (which authorises the export); audits each conversation.

    Attachments are listed (type, size, name) but their bytes are not inlined:
    the client downloads them from the conversation page.
    """
    conversations = []
    for conv in Conversation.objects.filter(client=client).select_related("therapist"):
        record_event(ctx, "conversation.export", object_type="conversation", object_id=conv.pk, subject=client)
        conversations.append({"with": conv.therapist.display_name, "messages": _messages(conv, client)})
    return {"conversations": conversations}


def _messages(conv: Conversation, client) -> list[dict]:
    edits: dict = {}
    for edit in MessageEdit.objects.filter(message__conversation=conv).order_by("seq"):
        edits.setdefault(edit.message_id, []).append({"at": edit.edited_at.isoformat(), "before": edit.previous_body})
    rows = Message.objects.filter(conversation=conv).prefetch_related("attachments").order_by("seq")
    return [
        {
            "seq": m.seq,
            "from": "me" if m.sender_id == client.pk else "therapist",
            "kind": m.kind,
            "sent_at": m.created_at.isoformat(),
            "subject": m.subject,
            "body": m.body,
            "edited_at": m.edited_at.isoformat() if m.edited_at else None,
            "earlier_versions": edits.get(m.pk, []),
            "attachments": [
                {"type": a.content_type, "size": a.size, "name": a.original_name} for a in m.attachments.all()
            ],
        }
        for m in rows
    ]
