"""Text that JSON can carry but UTF-8 cannot store (half a surrogate pair) is bad input, not a server error."""

from __future__ import annotations

import pytest

from confide.messaging.models import Message

LONE_SURROGATE_BODIES = [
    '{"body": "hello \\ud800", "idempotency_key": "api-surr-0001"}',  # as a JSON escape
    b'{"body": "hello \xed\xa0\x80", "idempotency_key": "api-surr-0002"}',  # as raw (CESU-8) bytes
    '{"body": "fine", "idempotency_key": "api-surr-0003", "\\udfff": 1}',  # in a key
]


@pytest.mark.parametrize("body", LONE_SURROGATE_BODIES, ids=["escape", "raw bytes", "key"])
def test_api_refuses_a_lone_surrogate_with_400_and_stores_nothing(conversation, as_client, body):
    response = as_client.post(
        f"/api/messaging/conversations/{conversation.pk}/messages", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot parse request body"
    assert Message.objects.count() == 0


def test_a_surrogate_pair_is_an_ordinary_character(conversation, as_client):
    response = as_client.post(
        f"/api/messaging/conversations/{conversation.pk}/messages",
        '{"body": "see you \\ud83d\\ude00", "idempotency_key": "api-pair-0001"}',
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Message.objects.get().body == "see you \U0001f600"
