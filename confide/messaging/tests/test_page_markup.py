"""The letter form shows people only what they fill in: the retry key travels hidden, with no label."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_letter_form_has_no_visible_key_field(conversation, as_client):
    page = as_client.get(reverse("messaging_letter", args=[conversation.pk])).content.decode()
    assert re.search(r'<input type="hidden" name="key" value="[^"]+"', page)
    assert not re.search(r"<label[^>]*>\s*Key", page)


def test_only_messages_still_inside_the_edit_window_show_an_edit_link(conversation, as_client, client_user):
    from datetime import timedelta

    from django.utils import timezone

    from confide.messaging.models import Message
    from confide.messaging.services import send_message
    from confide.privacy.audit import RequestContext

    ctx = RequestContext(user=client_user)
    old = send_message(ctx, conversation, body="sent a while ago", idempotency_key="old-key-0001", screen_now=False)
    new = send_message(ctx, conversation, body="sent just now", idempotency_key="new-key-0001", screen_now=False)
    Message.objects.filter(pk=old.message.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    page = as_client.get(reverse("messaging_conversation", args=[conversation.pk])).content.decode()
    assert reverse("messaging_edit", args=[conversation.pk, new.message.pk]) in page
    assert reverse("messaging_edit", args=[conversation.pk, old.message.pk]) not in page
