"""Two real uvicorn processes sharing PostgreSQL and Redis: live chat across them, and SIGKILL mid-burst.

The servers use the pytest test database (committed data: ``transaction=True``)
and the same secret and data keys as this process, so sessions and encrypted
columns are shared.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from confide.core.testing.asgi import session_cookie_header
from confide.core.testing.services import (
    REDIS_URL,
    need,
    postgres_available,
    redis_available,
    using_postgres,
    uvicorn_argv,
    wait_for_port,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env() -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "confide.settings",
        "CONFIDE_DATABASE_URL": "postgres://{}@{}:{}/{}".format(
            db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["NAME"]
        ),
        "CONFIDE_REDIS_URL": REDIS_URL,
        "CONFIDE_SECRET_KEY": settings.SECRET_KEY,
        "CONFIDE_DATA_KEYS": settings.DATA_KEYS,
        "CONFIDE_MESSAGE_RATE_PER_MINUTE": "100000",
        "CONFIDE_MESSAGE_SOCKET_OPENS_PER_MINUTE": "100000",
        "CONFIDE_LOG_LEVEL": "WARNING",
    }


class Server:
    """``python -m uvicorn confide.asgi:application`` on a fixed port (so a restart listens where clients reconnect)."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(uvicorn_argv(self.port), cwd=ROOT, env=_server_env())  # noqa: S603
        wait_for_port(self.port, self.process)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def servers():
    need(postgres_available() and using_postgres(), "PostgreSQL (run with CONFIDE_DATABASE_URL=postgres://…)")
    need(redis_available(), "Redis on 127.0.0.1:6379")
    pair = [Server(_free_port()), Server(_free_port())]
    for server in pair:
        server.start()
    yield pair
    for server in pair:
        server.stop()


def in_thread(coro):
    """A fresh event loop in its own thread (another test's Playwright may own this thread's loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def connect(server: Server, conv_id, cookie: str):
    import websockets

    url = f"ws://127.0.0.1:{server.port}/ws/messages/{conv_id}/"
    headers = {"Cookie": cookie, "Origin": f"http://127.0.0.1:{server.port}"}
    sock = await websockets.connect(url, additional_headers=headers, open_timeout=10)
    ready = json.loads(await asyncio.wait_for(sock.recv(), 10))
    assert ready["type"] == "ready"
    return sock, ready


async def next_frame(sock, kinds: tuple, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(sock.recv(), max(0.1, deadline - time.monotonic())))
        if frame["type"] in kinds:
            return frame


def test_client_on_one_process_and_therapist_on_another_chat_live(servers, conversation, client_user, therapist):
    a, b = servers
    client_cookie, therapist_cookie = session_cookie_header(client_user), session_cookie_header(therapist)

    async def scenario():
        client_sock, _ = await connect(a, conversation.pk, client_cookie)
        therapist_sock, _ = await connect(b, conversation.pk, therapist_cookie)
        await next_frame(client_sock, ("presence",))  # the therapist's arrival crossed processes
        await client_sock.send(json.dumps({"type": "send", "key": "cross-0000001", "body": "Hi from process A"}))
        ack = await next_frame(client_sock, ("ack",))
        got = await next_frame(therapist_sock, ("message",))
        await therapist_sock.send(json.dumps({"type": "send", "key": "cross-0000002", "body": "Hi from process B"}))
        reply = await next_frame(client_sock, ("message",))
        while reply["sender"] != str(therapist.pk):
            reply = await next_frame(client_sock, ("message",))
        await client_sock.close()
        await therapist_sock.close()
        return ack, got, reply

    ack, got, reply = in_thread(asyncio.wait_for(scenario(), 60))
    assert (ack["seq"], got["seq"], got["body"]) == (1, 1, "Hi from process A")
    assert (reply["seq"], reply["body"]) == (2, "Hi from process B")


BURST = 60


def test_sigkill_mid_burst_loses_no_acknowledged_message(servers, conversation, client_user, therapist):
    from confide.messaging.models import Message

    a, b = servers
    client_cookie, therapist_cookie = session_cookie_header(client_user), session_cookie_header(therapist)
    keys = [f"burst-{i:06}" for i in range(BURST)]

    async def burst_until_killed(client_sock, therapist_sock):
        acked: dict[str, dict] = {}

        async def send_paced():
            # Paced, so the kill lands mid-burst: sent all at once, the whole burst is committed in one or
            # two group-commit writes and every ack is already on its way before the kill.
            try:
                for key in keys:
                    await client_sock.send(json.dumps({"type": "send", "key": key, "body": f"message {key}"}))
                    await asyncio.sleep(0.02)
            except Exception:  # noqa: BLE001 — the connection dies with the process
                return

        sending = asyncio.ensure_future(send_paced())
        try:
            while len(acked) < BURST:
                frame = await next_frame(client_sock, ("ack",), timeout=5)
                acked[frame["key"]] = frame
                if len(acked) == 15:
                    a.kill()  # SIGKILL in the middle of the burst: later sends are lost in flight
        except Exception as exc:  # noqa: BLE001 — the connection dies with the process
            print(f"client socket ended: {type(exc).__name__}")
        sending.cancel()
        live = []
        try:
            while True:
                live.append(await next_frame(therapist_sock, ("message",), timeout=2))
        except TimeoutError:
            print(f"therapist received {len(live)} live frames")
        return acked, live

    async def scenario():
        client_sock, _ = await connect(a, conversation.pk, client_cookie)
        therapist_sock, _ = await connect(b, conversation.pk, therapist_cookie)
        acked, live = await burst_until_killed(client_sock, therapist_sock)
        a.start()  # restarted on the same port; the client reconnects and resyncs from 0
        client_sock, _ = await connect(a, conversation.pk, client_cookie)
        await client_sock.send(json.dumps({"type": "sync", "after": 0}))
        after_restart = await next_frame(client_sock, ("sync",))
        for key in keys:  # retry everything with the same keys (acknowledged ones must not duplicate)
            await client_sock.send(json.dumps({"type": "send", "key": key, "body": f"message {key}"}))
        retried = [await next_frame(client_sock, ("ack",)) for _ in keys]
        # The therapist, who stayed on process B, applies live frames in order, then resyncs from its last seq.
        last = 0
        seen = []
        for frame in live:
            if frame["seq"] == last + 1:
                seen.append(frame)
                last = frame["seq"]
        await therapist_sock.send(json.dumps({"type": "sync", "after": last}))
        rest = await next_frame(therapist_sock, ("sync",))
        seen += [f for f in rest["frames"] if f["type"] == "message"]
        await client_sock.close()
        await therapist_sock.close()
        return acked, after_restart, retried, seen

    acked, after_restart, retried, seen = in_thread(asyncio.wait_for(scenario(), 120))
    assert 15 <= len(acked) < BURST, f"the kill came after every ack ({len(acked)})"
    print(f"acked before kill: {len(acked)}, stored before retry: {len(after_restart['frames'])}")
    stored_before_retry = {f["key"]: f for f in after_restart["frames"]}
    for key, ack in acked.items():  # every acknowledged message survived the kill, with its seq
        assert stored_before_retry[key]["seq"] == ack["seq"]
    assert [f["seq"] for f in after_restart["frames"]] == list(range(1, len(after_restart["frames"]) + 1))
    retried_by_key = {f["key"]: f for f in retried}
    assert all(retried_by_key[k]["duplicate"] and retried_by_key[k]["id"] == acked[k]["id"] for k in acked)
    assert Message.objects.filter(conversation=conversation).count() == BURST
    assert sorted(Message.objects.values_list("idempotency_key", flat=True)) == keys
    assert [f["seq"] for f in seen] == list(range(1, BURST + 1))  # exactly once, in order, for the reader
    assert len({f["id"] for f in seen}) == BURST
