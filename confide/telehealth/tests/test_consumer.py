"""The signalling consumer through the whole ASGI stack (origin check, session auth, routing).

Tests are sync functions that drive ``WebsocketCommunicator`` with ``async_to_sync``
(set-up and assertions use the ORM directly, the scenario itself is async).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from confide.asgi import application
from confide.core.testing.asgi import outside_playwright_loop, session_cookie_header
from confide.privacy.audit import RequestContext
from confide.safety.models import SafetyEvent
from confide.scheduling.models import Status
from confide.telehealth.consumers import CLOSE_TOO_LARGE, MAX_FRAME_CHARS, PROTOCOL
from confide.telehealth.models import ChatMessage, JoinToken, Segment, Visit
from confide.telehealth.services.lifecycle import visit_for
from confide.telehealth.services.tokens import mint_join_token
from confide.telehealth.tests.conftest import make_appointment, make_ready

# Transactional: Channels' database_sync_to_async closes connections that are inside a
# transaction (PostgreSQL), and admission/end notify the room after commit.
pytestmark = pytest.mark.django_db(transaction=True)
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}


_cookies: dict = {}


@pytest.fixture(autouse=True)
def _fresh_cookies():
    _cookies.clear()
    yield
    _cookies.clear()


def cookie(user) -> str:
    """A signed-in session for ``user`` (made in sync code: the async scenarios cannot touch the ORM)."""
    if user.pk not in _cookies:
        _cookies[user.pk] = session_cookie_header(user)
    return _cookies[user.pk]


def token_for(user, appointment) -> str:
    cookie(user)
    return mint_join_token(RequestContext(user=user), visit_for(appointment))


def communicator(user, token: str | None, *, protocols=None, origin=b"http://127.0.0.1") -> WebsocketCommunicator:
    headers = [(b"origin", origin)]
    if user is not None:
        headers.append((b"cookie", (_cookies.get(user.pk) or cookie(user)).encode()))
    offered = protocols if protocols is not None else [PROTOCOL, f"token.{token}"]
    return WebsocketCommunicator(application, "/ws/visits/", headers=headers, subprotocols=offered)


async def opened(comm) -> dict:
    connected, subprotocol = await comm.connect()
    assert (connected, subprotocol) == (True, PROTOCOL)
    return await comm.receive_json_from()


async def refused(comm) -> bool:
    connected, _ = await comm.connect()
    await comm.disconnect()
    return connected is False


def run(coro_fn, *args):
    with outside_playwright_loop():
        return async_to_sync(coro_fn)(*args)


# --- who may connect ------------------------------------------------------------------------------


def test_client_joins_the_waiting_room_and_therapist_is_told(appointment, client_user, therapist):
    client_token, therapist_token = token_for(client_user, appointment), token_for(therapist, appointment)

    async def scenario():
        therapist_ws = communicator(therapist, therapist_token)
        welcome = await opened(therapist_ws)
        assert (welcome["role"], welcome["admitted"], welcome["client_waiting"]) == ("therapist", False, False)
        client_ws = communicator(client_user, client_token)
        client_welcome = await opened(client_ws)
        assert (client_welcome["role"], client_welcome["admitted"], client_welcome["peer_present"]) == (
            "client",
            False,
            True,
        )
        assert await therapist_ws.receive_json_from() == {"type": "waiting"}
        # not admitted yet: nothing is relayed
        await client_ws.send_json_to(OFFER)
        assert (await client_ws.receive_json_from())["code"] == "not_admitted"
        assert await therapist_ws.receive_nothing(0.1)
        # a client cannot admit themselves
        await client_ws.send_json_to({"type": "admit"})
        assert (await client_ws.receive_json_from())["code"] == "forbidden"
        await therapist_ws.send_json_to({"type": "admit"})
        assert await therapist_ws.receive_json_from() == {"type": "admitted"}
        assert await client_ws.receive_json_from() == {"type": "admitted"}
        await client_ws.send_json_to(OFFER)
        assert await therapist_ws.receive_json_from() == OFFER
        await therapist_ws.send_json_to({"type": "answer", "sdp": "v=0\r\n", "extra": "dropped"})
        assert await client_ws.receive_json_from() == {"type": "answer", "sdp": "v=0\r\n"}
        candidate = {
            "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
        await client_ws.send_json_to({"type": "candidate", "candidate": candidate})
        relayed = await therapist_ws.receive_json_from()
        assert relayed == {"type": "candidate", "candidate": {**candidate, "usernameFragment": None}}
        await client_ws.send_json_to({"type": "restart"})
        assert await therapist_ws.receive_json_from() == {"type": "restart"}
        await client_ws.disconnect()
        assert await therapist_ws.receive_json_from() == {"type": "peer_left"}
        await therapist_ws.disconnect()

    run(scenario)
    visit = Visit.objects.get(appointment=appointment)
    assert visit.admitted_at is not None and visit.client_channel == "" and visit.therapist_channel == ""


def test_token_is_single_use(appointment, client_user):
    token = token_for(client_user, appointment)

    async def scenario():
        first = communicator(client_user, token)
        await opened(first)
        await first.disconnect()
        assert await refused(communicator(client_user, token))

    run(scenario)


def test_expired_token_is_refused(appointment, client_user):
    token = token_for(client_user, appointment)
    JoinToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert run(refused, communicator(client_user, token))


def test_someone_elses_token_is_refused(appointment, client_user, other_client, therapist):
    token = token_for(client_user, appointment)
    assert run(refused, communicator(other_client, token))
    assert run(refused, communicator(therapist, token))
    # and the rightful owner can still use it: a refused attempt does not burn it
    assert JoinToken.objects.get().used_at is None


def test_unknown_token_and_no_token_are_refused_the_same_way(appointment, client_user):
    cookie(client_user)
    assert run(refused, communicator(client_user, "no-such-token"))
    assert run(refused, communicator(client_user, None, protocols=[PROTOCOL]))
    assert run(refused, communicator(client_user, None, protocols=[]))


def test_anonymous_is_refused(appointment, client_user):
    token = token_for(client_user, appointment)
    assert run(refused, communicator(None, token))
    assert JoinToken.objects.get().used_at is None


def test_foreign_origin_is_refused(appointment, client_user):
    token = token_for(client_user, appointment)
    assert run(refused, communicator(client_user, token, origin=b"https://evil.example"))


def test_cancelled_after_minting_is_refused(appointment, client_user):
    token = token_for(client_user, appointment)
    appointment.status = Status.CANCELLED
    appointment.save()
    assert run(refused, communicator(client_user, token))


def test_wrong_time_is_refused_even_with_a_token(appointment, client_user):
    token = token_for(client_user, appointment)
    appointment.start_at = timezone.now() + timedelta(hours=3)
    appointment.end_at = appointment.start_at + timedelta(minutes=50)
    appointment.save()
    assert run(refused, communicator(client_user, token))


def test_idle_locked_session_is_refused(appointment, client_user):
    from importlib import import_module

    from django.conf import settings

    from confide.accounts.middleware import LAST_SEEN_KEY

    token = token_for(client_user, appointment)
    cookie = session_cookie_header(client_user)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie.split("=", 1)[1])
    store[LAST_SEEN_KEY] = timezone.now().timestamp() - settings.IDLE_MINUTES * 60 - 5
    store.save()
    comm = WebsocketCommunicator(
        application, "/ws/visits/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie.encode())],
        subprotocols=[PROTOCOL, f"token.{token}"],
    )  # fmt: skip
    assert run(refused, comm)
    assert JoinToken.objects.get().used_at is None  # refused before the token was even looked at


def test_therapist_without_mfa_is_refused(client_user):
    from allauth.mfa.models import Authenticator

    from confide.core.testing.fixtures import make_user

    bare = make_user("no.mfa@example.test", "therapist", mfa=False)
    make_ready(client_user)
    appointment = make_appointment(client_user, bare)
    visit = visit_for(appointment)
    from confide.telehealth.models import JoinToken as Token
    from confide.telehealth.services.tokens import _digest

    # minting refuses too, so plant a token directly: the socket must re-check MFA itself
    Token.objects.create(
        visit=visit, user=bare, digest=_digest("planted"), expires_at=timezone.now() + timedelta(minutes=1)
    )
    assert Authenticator.objects.filter(user=bare).count() == 0
    cookie(bare)
    assert run(refused, communicator(bare, "planted"))


# --- bad input --------------------------------------------------------------------------------------


def test_bad_frames_get_error_frames_and_the_socket_survives(appointment, client_user):
    token = token_for(client_user, appointment)

    async def scenario():
        ws = communicator(client_user, token)
        await opened(ws)
        for text, code in [
            ("{not json", "bad_json"),
            ("[1, 2]", "bad_json"),
            ('{"no": "type"}', "bad_json"),
            ('{"type": "launch_missiles"}', "unknown_type"),
            ('{"type": "offer", "sdp": "x", "room": "0000"}', "wrong_room"),
        ]:
            await ws.send_to(text_data=text)
            assert (await ws.receive_json_from())["code"] == code
        await ws.send_to(bytes_data=b"\x00\x01")
        assert (await ws.receive_json_from())["code"] == "bad_frame"
        await ws.send_json_to({"type": "ping", "t": 5})
        assert await ws.receive_json_from() == {"type": "pong", "t": 5}
        await ws.disconnect()

    run(scenario)


def test_malformed_signals_are_not_relayed(appointment, client_user, therapist):
    visit = visit_for(appointment)
    visit.admitted_at = timezone.now()
    visit.save()
    ct, tt = token_for(client_user, appointment), token_for(therapist, appointment)

    async def scenario():
        t = communicator(therapist, tt)
        await opened(t)
        c = communicator(client_user, ct)
        await opened(c)
        assert await t.receive_json_from() == {"type": "peer_joined"}
        for frame in [
            {"type": "offer", "sdp": 42},
            {"type": "offer", "sdp": ""},
            {"type": "candidate", "candidate": {"candidate": "x" * 5000}},
            {"type": "candidate", "candidate": {"candidate": "c", "sdpMLineIndex": "zero"}},
            {"type": "candidate", "candidate": "just a string"},
        ]:
            await c.send_json_to(frame)
            assert (await c.receive_json_from())["code"] == "bad_signal"
        assert await t.receive_nothing(0.1)
        await c.disconnect()
        await t.disconnect()

    run(scenario)


def test_oversized_frame_closes_with_4413(appointment, client_user):
    token = token_for(client_user, appointment)

    async def scenario():
        ws = communicator(client_user, token)
        await opened(ws)
        await ws.send_to(text_data=json.dumps({"type": "chat", "text": "x" * MAX_FRAME_CHARS}))
        assert (await ws.receive_json_from())["code"] == "too_large"
        return await ws.receive_output()

    closed = run(scenario)
    assert closed == {"type": "websocket.close", "code": CLOSE_TOO_LARGE}


def test_flood_is_rate_limited_then_closed(appointment, client_user):
    token = token_for(client_user, appointment)

    async def scenario():
        ws = communicator(client_user, token)
        await opened(ws)
        codes = []
        for _ in range(400):
            await ws.send_json_to({"type": "ping"})
        while True:
            out = await ws.receive_output(timeout=2)
            if out["type"] == "websocket.close":
                return codes, out["code"]
            codes.append(json.loads(out["text"]).get("code") or json.loads(out["text"])["type"])

    codes, close_code = run(scenario)
    assert "rate_limited" in codes and codes.count("pong") >= 200
    assert close_code == 4429


def test_frames_never_reach_another_room(client_user, therapist, other_client, other_therapist):
    make_ready(client_user)
    make_ready(other_client)
    first = make_appointment(client_user, therapist)
    second = make_appointment(other_client, other_therapist, starts_in=timedelta(minutes=-5))
    for appointment in (first, second):
        visit = visit_for(appointment)
        visit.admitted_at = timezone.now()
        visit.save()
    tokens = [token_for(client_user, first), token_for(therapist, first), token_for(other_client, second)]

    async def scenario():
        a, t, b = (communicator(u, tok) for u, tok in zip((client_user, therapist, other_client), tokens, strict=True))
        await opened(a)
        await opened(t)
        welcome_b = await opened(b)
        assert await a.receive_json_from() == {"type": "peer_joined"}
        await b.send_json_to({**OFFER, "room": welcome_b["room"]})
        assert (await b.receive_json_from())["code"] == "peer_absent"
        await a.send_json_to({"type": "chat", "text": "hello in room one"})
        assert (await a.receive_json_from())["text"] == "hello in room one"
        assert (await t.receive_json_from())["text"] == "hello in room one"
        assert await b.receive_nothing(0.2)
        for ws in (a, t, b):
            await ws.disconnect()

    run(scenario)


# --- media state, segments, chat, end -------------------------------------------------------------------


def test_media_state_is_relayed_and_recorded_as_segments(appointment, client_user, therapist):
    ct, tt = token_for(client_user, appointment), token_for(therapist, appointment)
    both = {"connected": True, "audio": True, "video": True}

    async def scenario():
        t, c = communicator(therapist, tt), communicator(client_user, ct)
        await opened(t)
        await opened(c)
        await t.receive_json_from()  # waiting
        await t.send_json_to({"type": "admit"})
        await t.receive_json_from()
        await c.receive_json_from()
        await t.send_json_to({"type": "media", **both})
        await c.send_json_to({"type": "media", **both, "evil": "<script>"})
        assert await t.receive_json_from() == {"type": "peer_media", **both, "screen": False, "quality": "unknown"}
        assert (await c.receive_json_from())["video"] is True
        await c.send_json_to({"type": "media", **both, "video": False})
        assert (await t.receive_json_from())["video"] is False
        await c.send_json_to({"type": "media", "connected": False})
        await t.receive_json_from()
        await c.disconnect()
        await t.disconnect()

    run(scenario)
    modalities = list(Segment.objects.filter(visit__appointment=appointment).values_list("modality", flat=True))
    assert modalities == ["chat", "video", "audio", "chat"]


def test_chat_is_stored_encrypted_and_urgent_client_text_shows_crisis(appointment, client_user, therapist):
    ct, tt = token_for(client_user, appointment), token_for(therapist, appointment)
    text = "I want to kill myself tonight"

    async def scenario():
        t, c = communicator(therapist, tt), communicator(client_user, ct)
        await opened(t)
        await opened(c)
        await t.receive_json_from()
        await c.send_json_to({"type": "chat", "text": text})
        mine = await c.receive_json_from()
        assert (mine["type"], mine["from"], mine["text"]) == ("chat", "client", text)
        assert await c.receive_json_from() == {"type": "crisis"}
        theirs = await t.receive_json_from()
        assert theirs["text"] == text
        await c.send_json_to({"type": "chat", "text": "  "})
        assert (await c.receive_json_from())["code"] == "invalid"
        await c.disconnect()
        await t.disconnect()

    run(scenario)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM telehealth_chatmessage")
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and "kill" not in raw
    assert ChatMessage.objects.get().body == text
    assert SafetyEvent.objects.filter(client=client_user, level="high").count() == 1


def test_second_tab_replaces_the_first(appointment, client_user):
    first_token, second_token = token_for(client_user, appointment), token_for(client_user, appointment)

    async def scenario():
        first = communicator(client_user, first_token)
        await opened(first)
        second = communicator(client_user, second_token)
        await opened(second)
        assert await first.receive_json_from() == {"type": "replaced"}
        assert await first.receive_output() == {"type": "websocket.close", "code": 4409}
        await second.disconnect()

    run(scenario)


def test_ending_the_visit_tells_both_and_closes(appointment, client_user, therapist):
    from confide.telehealth.services.lifecycle import end_visit, start_visit

    ct, tt = token_for(client_user, appointment), token_for(therapist, appointment)
    ctx = RequestContext(user=therapist)

    async def scenario():
        t, c = communicator(therapist, tt), communicator(client_user, ct)
        await opened(t)
        await opened(c)
        await t.receive_json_from()
        from channels.db import database_sync_to_async

        visit = await database_sync_to_async(visit_for)(appointment)
        await database_sync_to_async(start_visit)(ctx, visit, jurisdiction="US-NY", emergency_contact_confirmed=True)
        await database_sync_to_async(end_visit)(ctx, visit)
        for ws in (c, t):
            assert await ws.receive_json_from() == {"type": "ended"}
            assert await ws.receive_output() == {"type": "websocket.close", "code": 4000}

    run(scenario)
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED and appointment.actual_end_at is not None
    # the room is closed now, token or not
    assert run(refused, communicator(client_user, "whatever"))


# --- review regressions ---------------------------------------------------------------------------


def test_deeply_nested_json_is_an_error_frame_not_a_crash(appointment, client_user):
    token = token_for(client_user, appointment)

    async def scenario():
        ws = communicator(client_user, token)
        await opened(ws)
        await ws.send_to(text_data="[" * 50_000)  # json.loads raises RecursionError, not ValueError
        assert (await ws.receive_json_from())["code"] == "bad_json"
        await ws.send_to(text_data='{"type": "ping", "t": NaN}')  # a NaN echoed back would break JSON.parse
        assert await ws.receive_json_from() == {"type": "pong", "t": None}
        await ws.disconnect()

    run(scenario)


def test_admitting_twice_announces_once(appointment, client_user, therapist):
    """A double click on "Admit" must not make both browsers restart a running call."""
    ct, tt = token_for(client_user, appointment), token_for(therapist, appointment)

    async def scenario():
        t, c = communicator(therapist, tt), communicator(client_user, ct)
        await opened(t)
        await opened(c)
        assert await t.receive_json_from() == {"type": "waiting"}
        await t.send_json_to({"type": "admit"})
        assert await c.receive_json_from() == {"type": "admitted"}
        assert await t.receive_json_from() == {"type": "admitted"}
        await t.send_json_to({"type": "admit"})
        assert await c.receive_nothing(0.2) and await t.receive_nothing(0.1)
        await c.disconnect()
        await t.disconnect()

    run(scenario)


def test_join_racing_the_end_is_refused_and_chat_after_the_end_is_closed(appointment, client_user, therapist):
    """A socket whose token was redeemed just before "End visit" neither joins nor adds to the record."""
    from confide.telehealth.services import live
    from confide.telehealth.services.lifecycle import end_visit, start_visit

    ctx = RequestContext(user=therapist)
    visit = visit_for(appointment)
    start_visit(ctx, visit, jurisdiction="US-NY", emergency_contact_confirmed=True)
    end_visit(ctx, visit)
    assert live.arrive(visit, "client", "some.channel") is None
    assert Visit.objects.get(pk=visit.pk).client_channel == ""
    with pytest.raises(Exception, match="chat is closed"):
        live.send_chat(RequestContext(user=client_user), visit, "still there?")
    assert ChatMessage.objects.count() == 0


def test_a_visit_ended_days_later_records_no_more_than_its_room_allowed(appointment, therapist):
    """Forgetting to press "End" must not bill days: the recorded end is capped at the room's closing time."""
    from datetime import timedelta

    from confide.scheduling.services.visits import actual_minutes_between
    from confide.telehealth import policies
    from confide.telehealth.services.lifecycle import end_visit, start_visit

    ctx = RequestContext(user=therapist)
    visit = visit_for(appointment)
    start_visit(ctx, visit, jurisdiction="US-NY", emergency_contact_confirmed=True)
    end_visit(ctx, visit, now=appointment.end_at + timedelta(days=3))
    appointment.refresh_from_db()
    assert appointment.actual_end_at == policies.latest_end(appointment)
    assert appointment.actual_minutes == actual_minutes_between(appointment.actual_start_at, appointment.actual_end_at)
    assert appointment.actual_minutes < 4 * 60  # not three days
