"""The one e-mail about unread messages: debounced per recipient and conversation, never any content.

When a message arrives for someone, a task is queued to run after
``MESSAGE_NOTIFY_DELAY_MINUTES`` — unless one is already queued, or an e-mail
already went out for messages they have not read yet. When the task runs it
sends only if something is still unread. Reading resets the cycle, so a long
exchange produces at most one e-mail per unread streak.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from confide.messaging.models import Conversation, Message, ReadState

SUBJECT = "You have a new message on Confide"


def queue_unread_notice(conv: Conversation, recipient_id) -> None:
    """Call inside the send transaction; queues the delayed task at most once per unread streak."""
    queue_unread_notices([(conv, conv.pk, recipient_id)])


def queue_unread_notices(arrivals: list[tuple[Conversation, object, object]], *, read_states=None) -> None:
    """``queue_unread_notice`` for a burst of (conversation, conversation id, recipient id): one locking read.

    Call inside the send transaction, after the conversations are locked (same
    lock order everywhere: conversation, then read state, then the audit head).
    ``read_states``: the rows ``sendsql.start_lock_read_states`` already locked
    for these conversations (the send path reads them with its other statements).
    """
    wanted = {(conv_id, recipient) for _, conv_id, recipient in arrivals}
    if not wanted:
        return
    if read_states is None:
        from confide.messaging.services.sendsql import lock_read_states

        read_states = lock_read_states({c for c, _ in wanted})
    states = {(c, u): (pending, notified, read) for c, u, pending, notified, read in read_states}
    from confide.messaging.tasks import send_unread_notice

    run_after = timezone.now() + timedelta(minutes=settings.MESSAGE_NOTIFY_DELAY_MINUTES)
    for pair in sorted(wanted, key=str):
        known = states.get(pair)
        if known is not None and (known[0] or known[1] > known[2]):
            continue  # already queued, or an e-mail already covers this unread streak
        state, _ = ReadState.objects.select_for_update().get_or_create(conversation_id=pair[0], user_id=pair[1])
        if state.notice_pending or state.notified_seq > state.last_read_seq:
            continue
        state.notice_pending = True
        state.save(update_fields=["notice_pending", "updated_at"])
        # Written in the send transaction (same database): the marker and its task exist together or not at all.
        send_unread_notice.using(run_after=run_after).enqueue(str(pair[0]), str(pair[1]))


def deliver_unread_notice(conversation_id: str, recipient_id: str) -> str:
    """The task's work: send one content-free e-mail if messages are still unread."""
    with transaction.atomic():
        state = (
            ReadState.objects.select_for_update()
            .select_related("user", "conversation")
            .filter(conversation_id=conversation_id, user_id=recipient_id)
            .first()
        )
        if state is None:
            return "no state"
        state.notice_pending = False
        unread = (
            Message.objects.filter(conversation_id=conversation_id, seq__gt=state.last_read_seq)
            .exclude(sender_id=recipient_id)
            .exists()
        )
        if not unread or not state.user.is_active:
            state.save(update_fields=["notice_pending", "updated_at"])
            return "read"
        state.notified_seq = state.conversation.last_seq
        state.save(update_fields=["notice_pending", "notified_seq", "updated_at"])
        # Sent inside the transaction: if sending fails, the marker rolls back and a retry may send.
        unread_email(state.user).send()
    return "sent"


def unread_email(recipient) -> EmailMessage:
    """No names, no content, no conversation id: just that there is something to read."""
    body = (
        "You have a new message on Confide.\n\n"
        f"Sign in to read it: {settings.SITE_URL}{reverse('messaging_inbox')}\n\n"
        "For your privacy this e-mail never says who wrote to you or what they wrote.\n"
    )
    return EmailMessage(SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
