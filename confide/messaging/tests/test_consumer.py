"""The chat consumer through the real ASGI stack (origin check, session auth), with WebsocketCommunicator."""

import asyncio
import json
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from confide.accounts.middleware import LAST_SEEN_KEY
from confide.asgi import application
from confide.core.testing.asgi import session_cookie_header
from confide.core.testing.fixtures import make_user
from confide.messaging.consumers import MAX_FRAME_BYTES
from confide.messaging.models import Message
from confide.privacy.models import AuditEvent
from confide.safety.models import SafetyEvent

pytestmark = pytest.mark.django_db(transaction=True)


def run(coro):
    """Run a scenario on a fresh event loop in its own thread (Playwright's sync API may own this thread's loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, 20)).result()


def communicator(conv_id, cookie: str = "", origin: str = "http://127.0.0.1") -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/messages/{conv_id}/", headers=headers)


async def open_socket(conv_id, cookie):
    socket = communicator(conv_id, cookie)
    connected, _ = await socket.connect()
    assert connected
    ready = await socket.receive_json_from()
    assert ready["type"] == "ready"
    return socket, ready


async def frames_until(socket, kind: str | tuple, limit: int = 30) -> dict:
    """Next frame of ``kind`` (or one of several kinds), skipping presence/typing/read noise."""
    kinds = (kind,) if isinstance(kind, str) else kind
    for _ in range(limit):
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] in kinds:
            return frame
    raise AssertionError(f"no {kind} frame")


async def close_code(socket) -> int:
    connected, _ = await socket.connect()
    assert connected  # accepted so that the close code reaches the client
    out = await socket.receive_output(timeout=5)
    assert out["type"] == "websocket.close"
    return out["code"]


def test_client_and_therapist_chat_live(conversation, client_user, therapist):
    alice_cookie, bob_cookie = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        alice, ready = await open_socket(conversation.pk, alice_cookie)
        bob, _ = await open_socket(conversation.pk, bob_cookie)
        assert ready["last_seq"] == 0 and ready["can_send"] is True
        assert (await frames_until(alice, "presence"))["online"] is True
        await alice.send_json_to({"type": "send", "key": "k-hello-0001", "body": "Hello from the client"})
        ack = await frames_until(alice, "ack")
        received = await frames_until(bob, "message")
        await bob.send_json_to({"type": "typing"})
        typing = await frames_until(alice, "typing")
        await bob.send_json_to({"type": "read", "seq": received["seq"]})
        receipt = await frames_until(alice, "read")
        await alice.disconnect()
        offline = await frames_until(bob, "presence")
        await bob.disconnect()
        return ack, received, typing, receipt, offline

    ack, received, typing, receipt, offline = run(scenario())
    assert (ack["seq"], ack["duplicate"], received["body"], received["seq"]) == (1, False, "Hello from the client", 1)
    assert received["sender"] == str(client_user.pk)
    assert typing["user"] == str(therapist.pk)
    assert (receipt["user"], receipt["seq"]) == (str(therapist.pk), 1)
    assert offline["online"] is False
    assert AuditEvent.objects.filter(action="conversation.open").count() == 2  # one per socket, not per frame


def test_retry_with_same_key_gets_the_original_ack(conversation, client_user):
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        frame = {"type": "send", "key": "same-key-0001", "body": "once"}
        await socket.send_json_to(frame)
        first = await frames_until(socket, "ack")
        await socket.send_json_to(frame)
        second = await frames_until(socket, "ack")
        await socket.disconnect()
        return first, second

    first, second = run(scenario())
    assert (first["id"], first["seq"]) == (second["id"], second["seq"])
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert Message.objects.count() == 1


def test_sync_after_seq_returns_missed_messages_and_edits(conversation, client_user, therapist):
    from confide.messaging import services
    from confide.messaging.tests.conftest import ctx

    sent = [
        services.send_message(ctx(therapist), conversation, body=f"m{i}", idempotency_key=f"key-sync-{i:04}")
        for i in range(4)
    ]
    services.edit_message(ctx(therapist), sent[0].message, "m0 edited")

    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, ready = await open_socket(conversation.pk, cookie)
        await socket.send_json_to({"type": "sync", "after": 2})
        reply = await frames_until(socket, "sync")
        await socket.disconnect()
        return ready, reply

    ready, reply = run(scenario())
    assert ready["last_seq"] == 5
    assert [(f["type"], f["seq"]) for f in reply["frames"]] == [("message", 3), ("message", 4), ("edit", 5)]
    assert (reply["upto"], reply["more"]) == (5, False)
    assert AuditEvent.objects.filter(action="conversation.sync").count() == 1


def test_edit_over_the_socket_reaches_the_other_side(conversation, client_user, therapist):
    alice_cookie, bob_cookie = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        alice, _ = await open_socket(conversation.pk, alice_cookie)
        bob, _ = await open_socket(conversation.pk, bob_cookie)
        await alice.send_json_to({"type": "send", "key": "k-edit-00001", "body": "tpyo"})
        ack = await frames_until(alice, "ack")
        await alice.send_json_to({"type": "edit", "id": ack["id"], "body": "typo fixed"})
        edit_ack = await frames_until(alice, "edit_ack")
        edit = await frames_until(bob, "edit")
        await bob.send_json_to({"type": "edit", "id": ack["id"], "body": "not yours"})
        refused = await frames_until(bob, "error")
        await alice.disconnect()
        await bob.disconnect()
        return edit_ack, edit, refused

    edit_ack, edit, refused = run(scenario())
    assert (edit_ack["seq"], edit["seq"], edit["body"], edit["message_seq"]) == (2, 2, "typo fixed", 1)
    assert refused["code"] == "not_allowed"
    assert Message.objects.get().body == "typo fixed"


def test_urgent_message_sends_crisis_frame_to_the_client(conversation, client_user):
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        await socket.send_json_to({"type": "send", "key": "k-urgent-0001", "body": "I want to kill myself tonight"})
        ack = await frames_until(socket, "ack")
        crisis = await frames_until(socket, "crisis")
        await socket.disconnect()
        return ack, crisis

    ack, crisis = run(scenario())
    assert ack["seq"] == 1
    assert "988" in json.dumps(crisis["resources"])
    assert SafetyEvent.objects.get().source_ref == ack["id"]


@pytest.mark.parametrize("who", ["anonymous", "other_client", "other_therapist", "staff", "unknown_conversation"])
def test_wrong_people_are_refused_with_a_close_code(conversation, who, request):
    import uuid

    conv_id = uuid.uuid4() if who == "unknown_conversation" else conversation.pk
    cookie = ""
    if who not in ("anonymous", "unknown_conversation"):
        cookie = session_cookie_header(request.getfixturevalue(who))
    elif who == "unknown_conversation":
        cookie = session_cookie_header(request.getfixturevalue("client_user"))
    code = run(close_code(communicator(conv_id, cookie)))
    assert code == (4401 if who == "anonymous" else 4404)


def test_clinician_without_mfa_is_refused(conversation):
    from confide.accounts.services import start_care

    no_mfa = make_user("nomfa@example.test", "therapist", mfa=False)
    start_care(conversation.client, no_mfa)
    from confide.messaging.services import conversations_for

    (conv,) = conversations_for(no_mfa)
    assert run(close_code(communicator(conv.pk, session_cookie_header(no_mfa)))) == 4403


def test_idle_locked_session_is_refused(conversation, client_user):
    cookie = session_cookie_header(client_user)
    session = SessionStore(cookie.split("=", 1)[1])
    session[LAST_SEEN_KEY] = time.time() - 3 * 3600
    session.save()
    assert run(close_code(communicator(conversation.pk, cookie))) == 4401


def test_foreign_origin_is_refused(conversation, client_user):
    socket = communicator(conversation.pk, session_cookie_header(client_user), origin="https://evil.example")
    connected, _ = run(socket.connect())
    assert connected is False


def test_bad_frames_get_error_frames_and_the_socket_survives(conversation, client_user, therapist):
    cookie, other_cookie = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        other, _ = await open_socket(conversation.pk, other_cookie)
        errors = []
        for raw in [
            "{not json",
            '{"type": "send", "key": "k-surrogate01", "body": "\\ud800"}',  # a lone surrogate cannot be stored
            "[1, 2]",
            json.dumps({"type": "launch_missiles"}),
            "x" * (MAX_FRAME_BYTES + 1),
            json.dumps({"type": "send", "key": "k-long-000001", "body": "x" * 4001}),
            json.dumps({"type": "send", "key": "bad key", "body": "hi"}),
            json.dumps({"type": "send", "key": "k-wrong-00001", "body": "hi", "conversation": "0" * 32}),
            json.dumps({"type": "sync", "after": "zero"}),
            json.dumps({"type": "edit", "id": "not-a-uuid", "body": "x"}),
        ]:
            await socket.send_to(text_data=raw)
            errors.append(await frames_until(socket, "error"))
        await socket.send_to(bytes_data=b"\x00\x01")
        errors.append(await frames_until(socket, "error"))
        await socket.send_json_to({"type": "send", "key": "k-fine-000001", "body": "still works"})
        ack = await frames_until(socket, "ack")
        delivered = await frames_until(other, "message")
        await socket.disconnect()
        await other.disconnect()
        return errors, ack, delivered

    errors, ack, delivered = run(scenario())
    assert [e["code"] for e in errors] == [
        "malformed_json",
        "invalid",
        "malformed_frame",
        "unknown_type",
        "frame_too_large",
        "invalid",
        "invalid",
        "wrong_conversation",
        "invalid",
        "not_found",
        "binary_not_supported",
    ]
    assert all(e["message"].endswith((".", "”.")) for e in errors)
    assert "cannot be stored" in errors[1]["message"]
    assert "4,000 characters" in errors[5]["message"]
    assert (ack["seq"], delivered["body"]) == (1, "still works")


def test_too_many_malformed_frames_close_the_socket(conversation, client_user):
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        for _ in range(10):
            await socket.send_to(text_data="{")
        while True:
            out = await socket.receive_output(timeout=5)
            if out["type"] == "websocket.close":
                return out["code"]

    assert run(scenario()) == 4400


def test_flood_is_rate_limited_per_user_and_other_conversations_are_unaffected(
    conversation, client_user, therapist, other_client, settings
):
    from confide.accounts.services import start_care
    from confide.messaging.services import conversations_for

    settings.MESSAGE_RATE_PER_MINUTE = 10
    start_care(other_client, therapist)
    other_conv = next(c for c in conversations_for(other_client))

    flood_cookie, calm_cookie = session_cookie_header(client_user), session_cookie_header(other_client)

    async def scenario():
        flood, _ = await open_socket(conversation.pk, flood_cookie)
        calm, _ = await open_socket(other_conv.pk, calm_cookie)
        replies = []
        for i in range(12):
            await flood.send_json_to({"type": "send", "key": f"k-flood-{i:05}", "body": f"flood {i}"})
            replies.append(await frames_until(flood, ("ack", "error")))
        await calm.send_json_to({"type": "send", "key": "k-calm-000001", "body": "I am fine"})
        calm_ack = await frames_until(calm, "ack")
        code = None
        for i in range(60):
            await flood.send_json_to({"type": "send", "key": f"k-more-{i:05}", "body": "more"})
        while code is None:
            out = await flood.receive_output(timeout=5)
            if out["type"] == "websocket.close":
                code = out["code"]
        await calm.disconnect()
        return replies, calm_ack, code

    replies, calm_ack, code = run(scenario())
    assert [r["type"] for r in replies] == ["ack"] * 10 + ["error"] * 2
    limited = [r for r in replies if r["type"] == "error"]
    assert limited and limited[0]["code"] == "rate_limited" and limited[0]["retry_after"] >= 1
    assert calm_ack["seq"] == 1
    assert code == 4429
    assert Message.objects.filter(conversation=conversation).count() == 10


def test_ended_care_socket_reads_but_cannot_send(conversation, client_user):
    from confide.accounts.models import CareRelationship

    CareRelationship.objects.update(status=CareRelationship.Status.ENDED)

    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, ready = await open_socket(conversation.pk, cookie)
        await socket.send_json_to({"type": "send", "key": "k-closed-0001", "body": "hello?"})
        error = await frames_until(socket, "error")
        await socket.disconnect()
        return ready, error

    ready, error = run(scenario())
    assert ready["can_send"] is False
    assert (error["code"], error["key"]) == ("closed", "k-closed-0001")


def test_deactivated_account_loses_its_open_socket(conversation, client_user, monkeypatch):
    """The HTTP side refuses an inactive user on every request; an open socket must not outlive the account."""
    from confide.accounts.models import User
    from confide.messaging import consumers

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.2)
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        await socket.send_json_to({"type": "send", "key": "k-before-0001", "body": "still here"})
        await frames_until(socket, "ack")
        await consumers.dbpool.run(lambda: User.objects.filter(pk=client_user.pk).update(is_active=False))
        while True:
            out = await socket.receive_output(timeout=5)
            if out["type"] == "websocket.close":
                return out["code"]

    assert run(scenario()) == 4401


def test_send_after_signing_out_elsewhere_is_refused_and_closes(conversation, client_user, monkeypatch):
    from confide.messaging import consumers

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0)  # re-read the session on every frame
    monkeypatch.setattr(consumers.ChatConsumer, "_watch_session", _no_watcher)
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        await consumers.dbpool.run(SessionStore(cookie.split("=", 1)[1]).flush)  # "sign out" in another tab
        await socket.send_json_to({"type": "send", "key": "k-after-00001", "body": "are you there"})
        error = await frames_until(socket, "error")
        while True:
            out = await socket.receive_output(timeout=5)
            if out["type"] == "websocket.close":
                return error, out["code"]

    error, code = run(scenario())
    assert (error["code"], error["key"], code) == ("signed_out", "k-after-00001", 4401)
    assert not Message.objects.filter(idempotency_key="k-after-00001").exists()


async def _no_watcher(self) -> None:
    return None


def test_sync_beyond_the_end_or_with_a_huge_number_is_an_empty_page_not_a_server_error(conversation, client_user):
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        await socket.send_json_to({"type": "send", "key": "k-one-000001", "body": "one"})
        await frames_until(socket, "ack")
        replies = []
        for after in (10**30, 5, 0):
            await socket.send_json_to({"type": "sync", "after": after})
            replies.append(await frames_until(socket, ("sync", "error")))
        await socket.disconnect()
        return replies

    huge, beyond, everything = run(scenario())
    assert (huge["type"], huge["upto"], huge["frames"]) == ("sync", 1, [])
    assert (beyond["upto"], beyond["frames"]) == (1, [])
    assert [f["seq"] for f in everything["frames"]] == [1]


def test_refused_send_on_ended_care_is_audited_once_and_stores_nothing(conversation, client_user):
    from confide.accounts.models import CareRelationship

    CareRelationship.objects.update(status=CareRelationship.Status.ENDED)
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        await socket.send_json_to({"type": "send", "key": "k-ended-0001", "body": "hello?"})
        error = await frames_until(socket, "error")
        await socket.disconnect()
        return error

    assert run(scenario())["code"] == "closed"
    denied = AuditEvent.objects.filter(action="message.send", outcome="denied", actor=client_user)
    assert denied.count() == 1 and not Message.objects.exists()


def test_a_socket_may_pipeline_sends_and_gets_its_acks_in_order(conversation, client_user, therapist):
    """Frames are read while earlier sends wait for their commit; seq and acks keep the sending order."""
    cookie, other = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        alice, _ = await open_socket(conversation.pk, cookie)
        bob, _ = await open_socket(conversation.pk, other)
        for i in range(20):
            await alice.send_json_to({"type": "send", "key": f"pipe-key-{i:04}", "body": f"m{i}"})
        acks = [await frames_until(alice, "ack") for _ in range(20)]
        received = [await frames_until(bob, "message") for _ in range(20)]
        await alice.disconnect()
        await bob.disconnect()
        return acks, received

    acks, received = run(scenario())
    assert [a["key"] for a in acks] == [f"pipe-key-{i:04}" for i in range(20)]
    assert [a["seq"] for a in acks] == list(range(1, 21))
    assert [m["body"] for m in received] == [f"m{i}" for i in range(20)]


def test_the_sending_socket_gets_an_ack_not_an_echo_but_the_senders_other_tab_gets_the_message(
    conversation, client_user
):
    cookie = session_cookie_header(client_user)

    async def scenario():
        tab1, _ = await open_socket(conversation.pk, cookie)
        tab2, _ = await open_socket(conversation.pk, cookie)
        await tab1.send_json_to({"type": "send", "key": "echo-key-0001", "body": "from tab one"})
        on_tab2 = await frames_until(tab2, "message")  # published (to the group) before tab one's ack
        await tab1.send_json_to({"type": "ping"})
        seen = []
        while (frame := await tab1.receive_json_from(timeout=5))["type"] != "pong":
            seen.append(frame)
        await tab1.disconnect()
        await tab2.disconnect()
        (ack,) = [f for f in seen if f["type"] == "ack"]
        return ack, on_tab2, [f["type"] for f in seen]

    ack, on_tab2, rest = run(scenario())
    assert on_tab2["id"] == ack["id"] and on_tab2["body"] == "from tab one"
    assert "message" not in rest  # the echo of its own message is not sent back to the sending socket


def test_a_loop_of_socket_opens_is_refused_before_any_lookup(conversation, client_user, settings):
    from django.core.cache import cache

    cache.clear()
    settings.MESSAGE_SOCKET_OPENS_PER_MINUTE = 3
    if time.time() % 60 > 50:  # the budget is per clock minute: do not straddle two
        time.sleep(61 - time.time() % 60)
    cookie = session_cookie_header(client_user)

    async def scenario():
        opened = []
        for _ in range(3):
            socket, _ = await open_socket(conversation.pk, cookie)
            opened.append(socket)
        refused = await close_code(communicator(conversation.pk, cookie))
        for socket in opened:
            await socket.disconnect()
        return refused

    assert run(scenario()) == 4429
    assert AuditEvent.objects.filter(action="conversation.open").count() == 3  # the refused open read nothing


def test_closing_one_of_two_tabs_leaves_the_person_online(conversation, client_user, therapist):
    cookie, other = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        bob, _ = await open_socket(conversation.pk, other)
        tab1, _ = await open_socket(conversation.pk, cookie)
        tab2, _ = await open_socket(conversation.pk, cookie)
        await tab1.disconnect()
        states = []
        await asyncio.sleep(0.3)
        while not await bob.receive_nothing(timeout=0.3):
            frame = await bob.receive_json_from()
            if frame["type"] == "presence":
                states.append(frame["online"])
        await tab2.disconnect()
        await asyncio.sleep(0.1)
        last = [f["online"] for f in await _drain_frames(bob) if f["type"] == "presence"]
        await bob.disconnect()
        return states, last

    states, last = run(scenario())
    assert states[-1] is True  # tab two answered the "offline" of tab one
    assert last[-1] is False  # when the last tab closes, the person is offline


async def _drain_frames(socket) -> list[dict]:
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        frames.append(await socket.receive_json_from())
    return frames


def test_a_quiet_page_learns_the_head_each_minute_and_catches_up_an_event_the_bus_lost(
    conversation, client_user, therapist, monkeypatch
):
    """The channel layer is best effort: a dropped event must not stay unseen until the next message."""
    from confide.messaging import consumers, frames

    async def lost_on_the_bus(publications) -> None:
        return None

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.2)
    monkeypatch.setattr(frames, "publish_all", lost_on_the_bus)
    reader_cookie, writer_cookie = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        reader, ready = await open_socket(conversation.pk, reader_cookie)
        writer, _ = await open_socket(conversation.pk, writer_cookie)
        await writer.send_json_to({"type": "send", "key": "k-lost-000001", "body": "did you get this?"})
        await frames_until(writer, "ack")
        head = await frames_until(reader, "head")
        while head["seq"] == ready["last_seq"]:  # a head sent before the commit: wait for the next one
            head = await frames_until(reader, "head")
        await reader.send_json_to({"type": "sync", "after": ready["last_seq"]})
        synced = await frames_until(reader, "sync")
        await writer.disconnect()
        await reader.disconnect()
        return ready, head, synced

    ready, head, synced = run(scenario())
    assert head == {"type": "head", "seq": ready["last_seq"] + 1}
    assert [f["body"] for f in synced["frames"]] == ["did you get this?"]


def test_the_head_is_sent_only_to_a_socket_still_signed_in(conversation, client_user, monkeypatch):
    from confide.messaging import consumers

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.5)
    cookie = session_cookie_header(client_user)

    async def scenario():
        socket, _ = await open_socket(conversation.pk, cookie)
        await consumers.dbpool.run(SessionStore(cookie.split("=", 1)[1]).flush)  # signed out in another tab
        seen = []
        while True:
            out = await socket.receive_output(timeout=5)
            if out["type"] == "websocket.close":
                return seen, out["code"]
            seen.append(json.loads(out["text"])["type"])

    seen, code = run(scenario())
    assert "head" not in seen and code == 4401


def test_each_socket_renews_its_presence_with_the_head_so_a_crashed_peer_can_be_forgotten(
    conversation, client_user, therapist, monkeypatch
):
    from confide.messaging import consumers

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.2)
    reader_cookie, other_cookie = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        reader, _ = await open_socket(conversation.pk, reader_cookie)
        other, _ = await open_socket(conversation.pk, other_cookie)
        beacons = [await frames_until(reader, "presence") for _ in range(4)]  # arrival, then renewals
        await other.disconnect()
        await reader.disconnect()
        return beacons

    beacons = run(scenario())
    assert beacons == [{"type": "presence", "user": str(therapist.pk), "online": True}] * 4
    assert consumers.presence_ttl_seconds() == 0.5  # two and a half beacons
