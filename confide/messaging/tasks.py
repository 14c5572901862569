"""Background work for messaging (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_unread_notice(conversation_id: str, recipient_id: str) -> str:
    """One e-mail "You have a new message on Confide" if the messages are still unread (idempotent)."""
    from confide.messaging.services.notices import deliver_unread_notice

    return deliver_unread_notice(conversation_id, recipient_id)


@task()
def screen_message_later(message_id: str) -> str:
    """Safety net: screen a client's message if the sending process died before it did (idempotent)."""
    from confide.messaging.models import Message
    from confide.messaging.services.sending import screen_message
    from confide.privacy.audit import SYSTEM

    message = Message.objects.select_related("conversation__client").filter(pk=message_id).first()
    if message is None or message.screened_at is not None:
        return "already screened"
    return "urgent" if screen_message(SYSTEM, message) else "screened"
