"""Group commit: several sends in one transaction keep every single-send guarantee (docs/messaging.md)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.http import Http404

from confide.accounts.models import CareRelationship, ClientProfile, Role, User
from confide.accounts.services import start_care
from confide.messaging import services
from confide.messaging.models import Conversation, Message, ReadState
from confide.messaging.sendqueue import SendQueue
from confide.messaging.services import sendsql
from confide.messaging.services.sending import SendRequest
from confide.messaging.tests.conftest import always_working, ctx, key
from confide.privacy.audit import verify_chain
from confide.privacy.models import AuditEvent
from confide.safety.models import SafetyEvent

pytestmark = pytest.mark.django_db
URGENT = "I want to kill myself tonight"


def pair(n: int) -> Conversation:
    """A fresh client–therapist pair in active care, with its conversation (people cached on it, as a socket has)."""
    from confide.core.testing.fixtures import enrol_totp

    client = User.objects.create(email=f"gc-client-{n}@example.test", role=Role.CLIENT, display_name=f"GC{n}")
    therapist = User.objects.create(email=f"gc-ther-{n}@example.test", role=Role.THERAPIST, display_name=f"GT{n}")
    ClientProfile.objects.create(user=client, jurisdiction="US-NY")
    enrol_totp(therapist)
    always_working(therapist)
    start_care(client, therapist)
    (conv,) = services.conversations_for(client)
    return Conversation.objects.select_related("client", "therapist").get(pk=conv.pk)


def req(user, conv, body="hello", k=None) -> SendRequest:
    return SendRequest(ctx(user), conv, body=body, idempotency_key=k or key())


def test_one_batch_across_conversations_keeps_each_sequence_gapless():
    a, b = pair(1), pair(2)
    batch = [req(a.therapist, a, "a1"), req(b.client, b, "b1"), req(a.client, a, "a2"), req(b.therapist, b, "b2")]
    out = services.send_messages(batch)
    assert all(o.created for o in out)
    assert [(o.message.conversation_id, o.message.seq) for o in out] == [(a.pk, 1), (b.pk, 1), (a.pk, 2), (b.pk, 2)]
    more = services.send_messages([req(a.therapist, a, "a3")])
    assert more[0].message.seq == 3
    for conv in (a, b):
        seqs = list(Message.objects.filter(conversation=conv).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        conv.refresh_from_db()
        assert conv.last_seq == len(seqs)


def test_each_message_of_a_batch_gets_its_own_audit_event_and_the_chain_holds():
    a, b = pair(1), pair(2)
    out = services.send_messages([req(a.therapist, a), req(b.therapist, b), req(a.therapist, a)])
    events = AuditEvent.objects.filter(action="message.send").order_by("id")
    assert [e.object_id for e in events] == [str(o.message.pk) for o in out]
    assert {e.subject_ref for e in events} == {str(a.client.public_id), str(b.client.public_id)}
    assert verify_chain().ok


def test_the_same_key_twice_in_one_burst_is_stored_once():
    a = pair(1)
    first, second = services.send_messages(
        [req(a.client, a, "once", "dup-key-0001"), req(a.client, a, "once", "dup-key-0001")]
    )
    assert first.created and not second.created
    assert second.message.pk == first.message.pk
    assert Message.objects.filter(conversation=a).count() == 1


def test_a_retry_of_an_earlier_message_inside_a_burst_returns_the_original():
    a = pair(1)
    (original,) = services.send_messages([req(a.therapist, a, "first", "retry-key-01")])
    again, fresh = services.send_messages([req(a.therapist, a, "first", "retry-key-01"), req(a.therapist, a, "next")])
    assert not again.created and again.message.pk == original.message.pk
    assert fresh.created and fresh.message.seq == 2


def test_a_refused_request_does_not_fail_the_others_and_its_refusal_is_audited():
    a, b = pair(1), pair(2)
    CareRelationship.objects.filter(client=b.client).update(status=CareRelationship.Status.ENDED)
    out = services.send_messages([req(a.client, a, "fine"), req(b.client, b, "care ended"), req(a.therapist, a, "ok")])
    assert out[0].created and out[2].created
    assert isinstance(out[1], Http404)
    assert not Message.objects.filter(conversation=b).exists()
    denied = AuditEvent.objects.get(action="message.send", outcome=AuditEvent.Outcome.DENIED)
    assert denied.object_id == str(b.pk)
    assert verify_chain().ok


def test_someone_outside_the_conversation_is_refused_inside_a_batch():
    a, b = pair(1), pair(2)
    out = services.send_messages([req(b.client, a, "not my conversation"), req(a.client, a, "mine")])
    assert isinstance(out[0], Http404) and out[1].created
    assert list(Message.objects.filter(conversation=a).values_list("sender_id", flat=True)) == [a.client.pk]


def test_bad_input_in_a_batch_is_answered_alone():
    from django.core.exceptions import ValidationError

    a = pair(1)
    out = services.send_messages([req(a.client, a, ""), req(a.client, a, "x", k="bad key!"), req(a.client, a, "good")])
    assert isinstance(out[0], ValidationError) and isinstance(out[1], ValidationError)
    assert out[2].created and out[2].message.seq == 1


def test_everyday_client_text_is_stored_screened_without_a_safety_net_task():
    from django_tasks_db.models import DBTaskResult

    a = pair(1)
    (out,) = services.send_messages([req(a.client, a, "Thanks, the breathing exercise helped this week")])
    message = Message.objects.get(pk=out.message.pk)
    assert message.screened_at is not None and not out.needs_screening
    assert not DBTaskResult.objects.filter(task_path__endswith="screen_message_later").exists()


def test_flagged_client_text_keeps_a_safety_net_task_until_it_is_escalated():
    from django_tasks_db.models import DBTaskResult

    a = pair(1)
    (out,) = services.send_messages([req(a.client, a, URGENT)], screen_now=False)
    assert out.needs_screening and Message.objects.get(pk=out.message.pk).screened_at is None
    assert DBTaskResult.objects.filter(task_path__endswith="screen_message_later").count() == 1
    assert SafetyEvent.objects.count() == 0  # the caller escalates after its ack
    (now,) = services.send_messages([req(a.client, a, URGENT)])  # screen_now: escalated before returning
    assert now.urgent and SafetyEvent.objects.filter(source_ref=str(now.message.pk)).exists()


def test_one_unread_notice_per_recipient_for_a_burst():
    from django_tasks_db.models import DBTaskResult

    a = pair(1)
    services.send_messages([req(a.therapist, a, f"m{i}") for i in range(5)])
    assert DBTaskResult.objects.filter(task_path__endswith="send_unread_notice").count() == 1
    assert ReadState.objects.get(conversation=a, user=a.client).notice_pending


# --- the written-out statements agree with the ORM ---------------------------------------------------------


def test_lock_conversations_reads_seq_and_care_like_the_orm():
    a, b = pair(1), pair(2)
    services.send_messages([req(a.client, a), req(a.client, a)])
    CareRelationship.objects.filter(client=b.client).update(status=CareRelationship.Status.ENDED)
    rows = sendsql.lock_conversations([b.pk, a.pk])
    assert rows == {a.pk: (2, True), b.pk: (0, False)}


def test_existing_keys_and_read_states_match_the_orm():
    a = pair(1)
    (out,) = services.send_messages([req(a.client, a, "x", "known-key-01")])
    found = sendsql.existing_keys([a.pk], ["known-key-01", "unknown-key-1"])
    assert found == {(a.pk, a.client.pk, "known-key-01"): out.message.pk}
    states = sendsql.lock_read_states([a.pk])
    orm = ReadState.objects.filter(conversation=a).values_list(
        "conversation_id", "user_id", "notice_pending", "notified_seq", "last_read_seq"
    )
    assert sorted(states, key=str) == sorted(orm, key=str)


# --- the socket's send queue ---------------------------------------------------------------------------------


def test_sends_arriving_during_a_write_are_written_together():
    """While one write runs, the next sends wait and then go as ONE batch; each waiter gets its own outcome."""
    calls: list[list] = []
    release = threading.Event()

    def write(items):
        calls.append(list(items))
        if len(calls) == 1:
            release.wait(5)
        return [f"stored {item}" for item in items], []

    async def scenario():
        queue = SendQueue(write)
        first = asyncio.ensure_future(queue.submit("a"))
        await asyncio.sleep(0.05)  # the first write is running (blocked)
        rest = [asyncio.ensure_future(queue.submit(x)) for x in "bcd"]
        await asyncio.sleep(0.05)
        release.set()
        return await first, await asyncio.gather(*rest)

    first, rest = asyncio.run(scenario())
    assert calls == [["a"], ["b", "c", "d"]]
    assert first == "stored a" and rest == ["stored b", "stored c", "stored d"]


def test_a_failed_write_reaches_every_waiter_and_the_queue_goes_on():
    outcomes = iter([RuntimeError("database down"), None])

    def write(items):
        problem = next(outcomes)
        if problem:
            raise problem
        return [f"ok {item}" for item in items], []

    async def scenario():
        queue = SendQueue(write)
        failed = await asyncio.gather(queue.submit("a"), return_exceptions=True)
        return failed, await queue.submit("b")

    failed, later = asyncio.run(scenario())
    assert isinstance(failed[0], RuntimeError) and later == "ok b"


def test_insert_messages_matches_the_orm():
    """The written-out insert stores what the ORM would: read back through the ORM, field by field."""
    from django.utils import timezone

    a = pair(1)
    now = timezone.now()
    fields = dict(conversation=a, sender=a.client, kind="letter", subject="Re: sleep", body="Slept 6 hours ✓")
    written = Message(seq=1, version_seq=1, idempotency_key="written-01", created_at=now, screened_at=now, **fields)
    by_orm = Message(seq=2, version_seq=2, idempotency_key="by-orm-001", created_at=now, screened_at=now, **fields)
    sendsql.insert_messages([written])
    Message.objects.bulk_create([by_orm])
    names = [f.attname for f in Message._meta.concrete_fields if f.attname not in ("id", "seq", "version_seq")]
    names.remove("idempotency_key")
    got, want = Message.objects.get(pk=written.pk), Message.objects.get(pk=by_orm.pk)
    assert [getattr(got, n) for n in names] == [getattr(want, n) for n in names]
    assert got.body == "Slept 6 hours ✓" and got.subject == "Re: sleep"
    raw = Message.objects.filter(pk=written.pk).values_list("body", flat=True).query
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*raw.sql_with_params())
        (stored,) = cursor.fetchone()
    assert "Slept" not in stored  # encrypted at rest, like every PHI field


def test_a_failed_statement_inside_a_pipeline_fails_the_batch_as_a_django_error():
    """A duplicate key sent with other statements surfaces as IntegrityError (the send path retries alone)."""
    from django.db import IntegrityError, transaction

    from confide.core.sql import pipelined

    a = pair(1)
    services.send_messages([req(a.client, a, "first", "dup-key-001")])
    copy = Message(conversation=a, sender=a.client, seq=99, version_seq=99, body="again", idempotency_key="dup-key-001")
    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        sendsql.insert_messages([copy])
        sendsql.save_counters([(a.pk, 99, copy.created_at)])
    a.refresh_from_db()
    assert a.last_seq == 1 and Message.objects.filter(conversation=a).count() == 1


def test_counters_move_for_every_conversation_of_a_burst():
    a, b = pair(1), pair(2)
    services.send_messages([req(a.client, a), req(b.therapist, b), req(a.therapist, a)])
    assert Conversation.objects.get(pk=a.pk).last_seq == 2
    assert Conversation.objects.get(pk=b.pk).last_seq == 1


# --- the channel-layer event -----------------------------------------------------------------------------------


def test_an_event_for_a_layer_outside_the_process_is_sealed():
    """Redis (any layer that leaves the process) never sees message text, senders or keys in clear."""
    from confide.messaging import frames

    frame = {"type": "message", "sender": "u-1", "key": "k-12345678", "body": "my panic attacks are back"}
    event = frames.event_for([frame, {"type": "read", "seq": 3}], layer=object())
    assert set(event) == {"type", "sealed"}
    assert "panic" not in event["sealed"] and "k-12345678" not in event["sealed"]
    items = frames.opened(event)
    assert [(s, k) for s, k, _ in items] == [("u-1", "k-12345678"), (None, None)]
    assert __import__("json").loads(items[0][2]) == frame


def test_an_event_for_the_in_process_layer_carries_the_socket_text():
    from channels.layers import InMemoryChannelLayer

    from confide.messaging import frames

    frame = {"type": "message", "sender": "u-1", "key": "k-12345678", "body": "hello"}
    event = frames.event_for([frame], layer=InMemoryChannelLayer())
    assert "sealed" not in event
    assert frames.opened(event) == [
        ("u-1", "k-12345678", '{"type":"message","sender":"u-1","key":"k-12345678","body":"hello"}')
    ]


@pytest.mark.redis
def test_a_burst_published_over_redis_keeps_each_conversations_order(settings):
    """Conversations are published side by side, but within one the frames arrive in the order written."""
    from channels.layers import channel_layers

    from confide.core.testing.services import REDIS_URL, need, redis_available
    from confide.messaging import frames

    need(redis_available(), "Redis on 127.0.0.1:6379")
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
    channel_layers.backends.clear()

    async def scenario():
        layer = channel_layers["default"]
        readers = {}
        for group in ("conv.test-a", "conv.test-b", "conv.test-c"):
            readers[group] = await layer.new_channel()
            await layer.group_add(group, readers[group])
        publications = [
            (group, [{"type": "message", "seq": seq, "sender": None, "key": None}])
            for seq in (1, 2, 3)
            for group in readers
        ]
        await frames.publish_all(publications)
        received = {}
        for group, channel in readers.items():
            events = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(3)]
            received[group] = [__import__("json").loads(text)["seq"] for e in events for _, _, text in frames.opened(e)]
            await layer.group_discard(group, channel)
        return received

    try:
        received = asyncio.run(scenario())
    finally:
        channel_layers.backends.clear()
    assert received == {"conv.test-a": [1, 2, 3], "conv.test-b": [1, 2, 3], "conv.test-c": [1, 2, 3]}
