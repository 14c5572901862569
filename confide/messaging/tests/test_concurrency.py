"""Parallel senders, retries and readers on real PostgreSQL: gapless sequences, one message per key, no lost reads.

The chat sockets run their database work on several threads (confide/messaging/dbpool.py),
and several app processes write to the same conversation; these tests make threads race
for real (each with its own connection) instead of trusting the design.
"""

import random
import threading
import time

import pytest
from django.db import connections

from confide.core.testing.services import need, postgres_available, using_postgres
from confide.messaging import services
from confide.messaging.models import Message
from confide.messaging.tests.conftest import ctx
from confide.privacy.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 4


@pytest.fixture(autouse=True)
def _postgres():
    need(postgres_available() and using_postgres(), "PostgreSQL (run with CONFIDE_DATABASE_URL=postgres://…)")


def _in_threads(work, count: int) -> list:
    """Run ``work(i)`` on ``count`` threads started together; re-raise the first failure."""
    start = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(i: int) -> None:
        try:
            start.wait(10)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_parallel_sends_and_retries_stay_gapless_and_never_duplicate(conversation, client_user, therapist):
    """Every (sender, key) is sent by all threads at once, in a different order each: one message per key."""
    work = [(client_user, f"client-key-{i:04}") for i in range(15)] + [
        (therapist, f"thera-key-{i:04}") for i in range(15)
    ]

    def sender(i: int) -> list:
        order = work[:]
        random.Random(i).shuffle(order)
        out = []
        for user, key in order:
            result = services.send_message(
                ctx(user), conversation, body=f"text {key}", idempotency_key=key, screen_now=False
            )
            out.append((key, str(result.message.id), result.message.seq, result.created))
        return out

    runs = _in_threads(sender, THREADS)
    stored = list(Message.objects.filter(conversation=conversation).order_by("seq"))
    assert [m.seq for m in stored] == list(range(1, len(work) + 1))  # gapless, no duplicates
    assert sorted(m.idempotency_key for m in stored) == sorted(key for _, key in work)
    by_key = {m.idempotency_key: (str(m.id), m.seq) for m in stored}
    acks = [row for run in runs for row in run]
    assert all(by_key[key] == (mid, seq) for key, mid, seq, _ in acks)  # every retry got the original ack
    assert sum(created for *_, created in acks) == len(work)  # exactly one "created" per key
    sends = AuditEvent.objects.filter(action="message.send", outcome="allowed", object_type="message")
    assert sends.count() == len(work)  # one audit event per stored message, none for retries
    conversation.refresh_from_db()
    assert conversation.last_seq == len(work)


def test_a_reader_polling_during_parallel_sends_sees_every_message_once_in_order(conversation, client_user, therapist):
    """Resync while others commit: ``upto`` never covers a message the reply did not contain."""
    total = 3 * 20
    done = threading.Event()

    def worker(i: int) -> list:
        if i == 0:  # the reader
            seen, after, deadline = [], 0, time.monotonic() + 30
            while time.monotonic() < deadline:
                finished = done.is_set()
                changes = services.changes_after(conversation, after, limit=7)
                seen += [f["seq"] for f in changes.frames if f["type"] == "message"]
                after = changes.upto
                if finished and not changes.more and after >= total:
                    break
            return seen
        user = client_user if i % 2 else therapist
        for n in range(20):
            services.send_message(ctx(user), conversation, body="x", idempotency_key=f"w{i}-{n:05}", screen_now=False)
        return None

    def run(i: int):
        try:
            return worker(i)
        finally:
            if i != 0 and Message.objects.filter(conversation=conversation).count() >= total:
                done.set()

    seen = _in_threads(run, 4)[0]
    assert seen == list(range(1, total + 1))
