"""Demo messages (``manage.py demo``): a short exchange in each demo care relationship that has none yet."""

from __future__ import annotations

from confide.accounts.models import CareRelationship
from confide.messaging.models import Conversation, Message
from confide.messaging.services.conversations import conversations_for
from confide.messaging.services.sending import send_message
from confide.privacy.audit import RequestContext

EXCHANGE = [
    ("client", "Hi, I wanted to say the breathing exercise helped on Tuesday."),
    ("therapist", "That is good to hear. Did you manage to try it before the meeting too?"),
    ("client", "Once, yes. I will keep notes for our next session."),
]


def populate(people) -> None:
    demo_ids = {c.pk for c in people.clients}
    for therapist in people.therapists:
        for conv in conversations_for(therapist):
            if conv.client_id not in demo_ids or Message.objects.filter(conversation=conv).exists():
                continue
            _exchange(conv)


def _exchange(conv: Conversation) -> None:
    if not CareRelationship.objects.filter(client=conv.client, therapist=conv.therapist, status="active").exists():
        return
    for index, (who, text) in enumerate(EXCHANGE):
        sender = conv.client if who == "client" else conv.therapist
        send_message(RequestContext(user=sender), conv, body=text, idempotency_key=f"demo-{conv.pk.hex[:12]}-{index}")
