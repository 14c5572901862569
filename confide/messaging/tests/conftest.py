"""Messaging test helpers: a conversation between the persona client and therapist."""

from __future__ import annotations

import uuid
from datetime import time

import pytest

from confide.messaging.models import Conversation, TherapistMessagingSettings
from confide.privacy.audit import RequestContext


def ctx(user) -> RequestContext:
    return RequestContext(user=user, ip="127.0.0.1", user_agent="pytest")


def key() -> str:
    return uuid.uuid4().hex


def always_working(therapist) -> None:
    """No automatic replies get in the way of tests that are not about them."""
    TherapistMessagingSettings.objects.update_or_create(
        therapist=therapist,
        defaults={"work_days": [0, 1, 2, 3, 4, 5, 6], "work_start": time(0), "work_end": time(23, 59, 59)},
    )


@pytest.fixture
def conversation(care, client_user, therapist) -> Conversation:
    from confide.messaging.services import conversations_for

    always_working(therapist)
    (conv,) = conversations_for(client_user)
    return conv


@pytest.fixture(autouse=True)
def _close_chat_db_threads():
    """The chat sockets' pool threads keep their connections: close them before the database is flushed/dropped."""
    yield
    from confide.messaging import dbpool

    dbpool.shutdown()
