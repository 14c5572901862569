"""The verbs of messaging. Views, API, consumers and tasks call these, never each other.

- ``conversations``: open/list conversations, unread counts, history, resync, search, read receipts.
- ``sending``: send a chat message or letter (idempotent, sequenced, screened), edit, automatic replies.
- ``attachments``: check, store and serve attachments.
- ``notices``: the one content-free e-mail about unread messages.
- ``reply_settings``: a therapist's reply time, working hours and automatic reply.
"""

from confide.messaging.services.attachments import open_attachment
from confide.messaging.services.conversations import (
    changes_after,
    conversations_for,
    history,
    mark_read,
    open_conversation,
    search_history,
    unread_counts,
)
from confide.messaging.services.sending import SendRequest, SendResult, edit_message, send_message, send_messages

__all__ = [
    "SendRequest",
    "SendResult",
    "changes_after",
    "conversations_for",
    "edit_message",
    "history",
    "mark_read",
    "open_attachment",
    "open_conversation",
    "search_history",
    "send_message",
    "send_messages",
    "unread_counts",
]
