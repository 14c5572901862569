"""The letter form shows people only what they fill in: the retry key travels hidden, with no label."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_letter_form_has_no_visible_key_field(conversation, as_client):
    page = as_client.get(reverse("messaging_letter", args=[conversation.pk])).content.decode()
    assert re.search(r'<input type="hidden" name="key" value="[^"]+"', page)
    assert not re.search(r"<label[^>]*>\s*Key", page)
