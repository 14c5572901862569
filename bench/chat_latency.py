"""Chat over real WebSockets: send→receive latency, throughput, one process vs two with Redis, idle-socket RSS.

Usage:
  python bench/chat_latency.py [--pairs 10] [--messages 200] [--idle 1000]      (prints one JSON line)
  python bench/chat_latency.py --url http://127.0.0.1:8000 --pairs 10 --messages 200
      (only the latency/throughput figures, against a server you started on the database in
      CONFIDE_DATABASE_URL — the bench creates its people and sessions there)

Without ``--url`` it creates a throwaway PostgreSQL database (confide_bench_chat on 127.0.0.1),
N client–therapist pairs with a conversation each, and starts uvicorn itself:

* ``one_process``: both sockets of every pair on one uvicorn (in-memory channel layer);
* ``two_processes``: clients on process A, therapists on process B, channel layer and cache in Redis;
* ``one_process_among_idle``: the one-process latency and throughput again, while 1,000 idle sockets
  (200 other conversations) stay open — what a busy single-process deployment carries;
* ``idle_rss``: a fresh uvicorn's resident memory before and after 1,000 idle chat sockets;
* ``two_workers_one_port`` (only when asked for): ``uvicorn --workers 2`` with Redis, both sides on one
  port, as ``manage.py serve --workers 2`` runs — the kernel spreads the sockets over the two processes.

Latency: in every pair the therapist sends M messages one after another, each when the previous one
has reached the client's socket; all pairs run at once. Throughput: every therapist sends its M
messages without waiting; delivered messages per second until the last one arrives. The same two
phases then run client → therapist with ``--screened`` messages per pair: every client message is also
safety-screened after its ack (and gets a safety-net task row), which costs that direction more database work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.hostspeed import python_loop_ms  # noqa: E402 — after the path is set
from confide.core.testing.services import uvicorn_argv, wait_for_port  # noqa: E402 — after the path is set

DB_NAME = "confide_bench_chat"
REDIS_URL = "redis://127.0.0.1:6379/14"


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def _admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- people ----------------------------------------------------------------------------------------------


def _people(pairs: int) -> list[dict]:
    """N client–therapist pairs in care, each with a conversation and two signed-in sessions."""
    from datetime import time as clock

    from django.conf import settings
    from django.test import Client

    from confide.accounts.models import ClientProfile, User
    from confide.accounts.services import start_care
    from confide.core.testing.fixtures import enrol_totp
    from confide.messaging.models import TherapistMessagingSettings
    from confide.messaging.services import conversations_for

    stamp = time.time_ns()
    out = []
    for i in range(pairs):
        client = User.objects.create(email=f"c{i}-{stamp}@bench.test", role="client", display_name=f"C{i}")
        therapist = User.objects.create(email=f"t{i}-{stamp}@bench.test", role="therapist", display_name=f"T{i}")
        ClientProfile.objects.create(user=client, jurisdiction="US-NY")
        enrol_totp(therapist)
        TherapistMessagingSettings.objects.create(
            therapist=therapist, work_days=list(range(7)), work_start=clock(0), work_end=clock(23, 59, 59)
        )
        start_care(client, therapist)
        (conv,) = conversations_for(client)
        cookies = []
        for user in (client, therapist):
            http = Client()
            http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}")
        out.append({"conv": str(conv.pk), "client_cookie": cookies[0], "therapist_cookie": cookies[1]})
    return out


# --- servers ---------------------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict[str, str], *, workers: int = 1):
        self.port = _free_port()
        self.env = env
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        argv = uvicorn_argv(self.port, access_log=False)
        if self.workers > 1:  # as `manage.py serve --workers N` runs it: N processes accept on one socket
            argv += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(argv, cwd=ROOT, env=self.env)  # noqa: S603
        wait_for_port(self.port, self.process)
        if self.workers > 1:
            _wait_for_children(self.process.pid, self.workers)
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_s(self) -> float:
        return _cpu_seconds(self.process.pid) + sum(_cpu_seconds(pid) for pid in _children(self.process.pid))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def _server_env(redis: bool) -> dict[str, str]:
    from django.conf import settings

    env = {
        **os.environ,
        "CONFIDE_DATABASE_URL": os.environ["CONFIDE_DATABASE_URL"],
        "CONFIDE_SECRET_KEY": settings.SECRET_KEY,
        "CONFIDE_DATA_KEYS": settings.DATA_KEYS,
        "CONFIDE_MESSAGE_RATE_PER_MINUTE": "1000000",
        "CONFIDE_MESSAGE_SOCKET_OPENS_PER_MINUTE": "1000000",  # the idle phase opens 1,000 sockets
        "CONFIDE_LOG_LEVEL": "ERROR",
        "CONFIDE_DB_CONN_MAX_AGE": os.environ["CONFIDE_DB_CONN_MAX_AGE"],
        "CONFIDE_MESSAGE_DB_THREADS": os.environ["CONFIDE_MESSAGE_DB_THREADS"],
    }
    env.pop("CONFIDE_REDIS_URL", None)
    if redis:
        env["CONFIDE_REDIS_URL"] = REDIS_URL
    return env


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_for_children(pid: int, count: int, timeout: float = 30.0) -> None:
    """uvicorn's supervisor listens before its workers import the app: wait until they all run."""
    deadline = time.monotonic() + timeout
    while len(_children(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # each worker imports Django and compiles the screener before it accepts


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _postgres_cpu_s() -> float:
    """CPU seconds of every postgres process of this machine (the server's backends are persistent here)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def _measured(servers: list[Server], run, messages: int) -> dict:
    """Run a load; add the app servers' and PostgreSQL's CPU milliseconds per delivered message."""
    app0, pg0, own0 = sum(s.cpu_s() for s in servers), _postgres_cpu_s(), _own_cpu_s()
    out = run()
    app1, pg1, own1 = sum(s.cpu_s() for s in servers), _postgres_cpu_s(), _own_cpu_s()
    out["app_cpu_ms_per_msg"] = round((app1 - app0) * 1000 / messages, 2)
    out["postgres_cpu_ms_per_msg"] = round((pg1 - pg0) * 1000 / messages, 2)
    # The bench's own clients share the machine's two cores with the server: their cost is part of the picture.
    out["bench_clients_cpu_ms_per_msg"] = round((own1 - own0) * 1000 / messages, 2)
    return out


# --- load ------------------------------------------------------------------------------------------------


async def _open(base_url: str, conv: str, cookie: str):
    import websockets

    ws_url = base_url.replace("http", "ws", 1) + f"/ws/messages/{conv}/"
    sock = await websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": base_url}, open_timeout=30, max_queue=None
    )
    ready = json.loads(await asyncio.wait_for(sock.recv(), 30))
    assert ready["type"] == "ready", ready
    return sock


async def _receiver(sock, expected: int, arrivals: dict[str, float]) -> None:
    got = 0
    while got < expected:
        frame = json.loads(await asyncio.wait_for(sock.recv(), 60))
        if frame["type"] == "message" and frame["key"] in arrivals and not arrivals[frame["key"]]:
            arrivals[frame["key"]] = time.perf_counter()
            got += 1


async def _drain(sock) -> None:
    try:
        while True:
            await sock.recv()
    except Exception:  # noqa: BLE001 — closed at the end of the run
        return


async def _pair_latency(client, therapist, tag: str, messages: int) -> list[float]:
    samples = []
    for i in range(messages):
        key = f"{tag}-lat-{i:06}"
        arrivals = {key: 0.0}
        started = time.perf_counter()
        await client.send(json.dumps({"type": "send", "key": key, "body": f"latency probe {i}"}))
        await _receiver(therapist, 1, arrivals)
        samples.append((arrivals[key] - started) * 1000)
    return samples


async def _pair_burst(client, therapist, tag: str, messages: int) -> None:
    arrivals = {f"{tag}-tp-{i:06}": 0.0 for i in range(messages)}
    receiving = asyncio.ensure_future(_receiver(therapist, messages, arrivals))
    for key in arrivals:
        await client.send(json.dumps({"type": "send", "key": key, "body": "throughput probe"}))
    await receiving


async def _load(client_url: str, therapist_url: str, people: list[dict], messages: int, screened: int) -> dict:
    """Therapist → client (the delivery path) at full size; then client → therapist (every message screened)."""
    sockets = []
    for index, pair in enumerate(people):
        client = await _open(client_url, pair["conv"], pair["client_cookie"])
        therapist = await _open(therapist_url, pair["conv"], pair["therapist_cookie"])
        sockets.append((index, client, therapist))
    run = time.time_ns()
    out = await _phases([(i, t, c) for i, c, t in sockets], f"t{run}", messages)
    _progress("client to therapist (screened)")
    if screened:
        out["client_to_therapist_screened"] = await _phases(sockets, f"c{run}", screened)
    for _, client, therapist in sockets:
        await client.close()
        await therapist.close()
    return out


async def _phases(sockets: list, tag: str, messages: int) -> dict:
    """Latency (one at a time per pair, all pairs at once), then throughput (each sender pipelines all)."""
    drains = [asyncio.ensure_future(_drain(sender)) for _, sender, _ in sockets]
    await asyncio.gather(*(_pair_latency(s, r, f"{tag}w{i}", 5) for i, s, r in sockets))  # warm-up
    latency = await asyncio.gather(*(_pair_latency(s, r, f"{tag}l{i}", messages) for i, s, r in sockets))
    started = time.perf_counter()
    await asyncio.gather(*(_pair_burst(s, r, f"{tag}b{i}", messages) for i, s, r in sockets))
    elapsed = time.perf_counter() - started
    for drain in drains:
        drain.cancel()
    samples = [s for pair in latency for s in pair]
    return {
        **_percentiles(samples),
        "latency_samples": len(samples),
        "throughput_msgs_per_s": round(len(sockets) * messages / elapsed, 1),
    }


def _idle_people(count: int) -> list[dict]:
    """Clients each in their own conversation (one therapist for all): the idle crowd of a busy process."""
    from django.conf import settings
    from django.test import Client

    from confide.accounts.models import ClientProfile, User
    from confide.accounts.services import start_care
    from confide.messaging.services import conversations_for

    stamp = time.time_ns()
    therapist = User.objects.create(email=f"idle-t-{stamp}@bench.test", role="therapist", display_name="T")
    out = []
    for i in range(count):
        client = User.objects.create(email=f"idle-c{i}-{stamp}@bench.test", role="client", display_name=f"I{i}")
        ClientProfile.objects.create(user=client, jurisdiction="US-NY")
        start_care(client, therapist)
        (conv,) = conversations_for(client)
        http = Client()
        http.force_login(client, backend="django.contrib.auth.backends.ModelBackend")
        cookie = f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"
        out.append({"conv": str(conv.pk), "client_cookie": cookie})
    return out


async def _load_among_idle(server: Server, people: list[dict], crowd: list[dict], idle: int, args) -> dict:
    """The pairs' latency and throughput while ``idle`` other sockets (their own conversations) stay open.

    CPU per message is counted from after the idle sockets are open (opening them is not the load).
    """
    sockets = []
    for i in range(idle):
        person = crowd[i % len(crowd)]
        sockets.append(await _open(server.url, person["conv"], person["client_cookie"]))
    await asyncio.sleep(1)
    try:
        app0, pg0 = server.cpu_s(), _postgres_cpu_s()
        out = await _load(server.url, server.url, people, args.messages, 0)
        app1, pg1 = server.cpu_s(), _postgres_cpu_s()
    finally:
        for sock in sockets:
            await sock.close()
    sent = len(people) * (2 * 5 + 2 * args.messages)
    out["app_cpu_ms_per_msg"] = round((app1 - app0) * 1000 / sent, 2)
    out["postgres_cpu_ms_per_msg"] = round((pg1 - pg0) * 1000 / sent, 2)
    return {"idle_connections": idle, "idle_conversations": len(crowd), **out}


async def _idle(base_url: str, people: list[dict], count: int, server: Server) -> dict:
    warm = await _open(base_url, people[0]["conv"], people[0]["client_cookie"])
    await asyncio.sleep(1)
    before = server.rss_mb()
    sockets = [warm]
    for i in range(count - 1):
        pair = people[i % len(people)]
        sockets.append(await _open(base_url, pair["conv"], pair["client_cookie"]))
    await asyncio.sleep(3)
    after = server.rss_mb()
    for sock in sockets:
        await sock.close()
    return {
        "idle_connections": count,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "rss_extra_mb": round(after - before, 1),
        "rss_per_connection_kb": round((after - before) * 1024 / max(1, count - 1), 1),
    }


# --- main ------------------------------------------------------------------------------------------------


def _setup_database() -> None:
    os.environ["CONFIDE_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server (skips the process comparison and RSS)")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONFIDE_DB_CONN_MAX_AGE of the servers (s)")
    parser.add_argument("--db-threads", type=int, default=4, help="CONFIDE_MESSAGE_DB_THREADS of the servers")
    parser.add_argument("--screened", type=int, default=20, help="client messages per pair (safety-screened)")
    parser.add_argument(
        "--modes",
        default="one_process,two_processes_redis,one_process_among_idle,idle_rss",
        help="comma-separated subset of one_process, two_processes_redis, one_process_among_idle, idle_rss "
        "(default), and two_workers_one_port (uvicorn --workers 2 with Redis; not in the default)",
    )
    parser.add_argument(
        "--idle-conversations",
        type=int,
        default=200,
        help="conversations the idle sockets of one_process_among_idle use",
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))  # 1,000 sockets on each side
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    os.environ["CONFIDE_LOG_LEVEL"] = "ERROR"
    os.environ["CONFIDE_DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    os.environ["CONFIDE_MESSAGE_DB_THREADS"] = str(args.db_threads)
    if not args.url:
        _setup_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        if not args.url:
            call_command("migrate", verbosity=0)
        people = _people(args.pairs)
        figures: dict = {"bench": "chat_latency", "pairs": args.pairs, "messages_per_pair": args.messages}
        figures["conn_max_age"] = args.conn_max_age
        figures["db_threads"] = args.db_threads
        figures["host_python_loop_ms"] = python_loop_ms()  # this host's speed today (bench/hostspeed.py)
        if args.url:
            figures["server"] = asyncio.run(_load(args.url, args.url, people, args.messages, args.screened))
        else:
            figures.update(_all_modes(args, people))
        print(json.dumps(figures))
    finally:
        from django.db import connections

        for connection in connections.all():
            connection.close()
            getattr(connection, "close_pool", lambda: None)()  # a pooled connection keeps the database open
        if not args.url:
            _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _progress(text: str) -> None:
    print(f"[chat_latency] {text}", file=sys.stderr, flush=True)


def _all_modes(args, people: list[dict]) -> dict:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    out = {"database": "postgresql"}
    modes = set(args.modes.split(","))
    sent = len(people) * (2 * 5 + 2 * args.messages + 2 * args.screened)  # warm-ups, latency, burst; both ways
    if "one_process" in modes:
        _progress("one process")
        with Server(_server_env(redis=False)) as one:
            load = partial(asyncio.run, _load(one.url, one.url, people, args.messages, args.screened))
            out["one_process"] = _measured([one], load, sent)
    if "two_processes_redis" in modes:
        _progress("two processes with Redis")
        with Server(_server_env(redis=True)) as a, Server(_server_env(redis=True)) as b:
            load = partial(asyncio.run, _load(a.url, b.url, people, args.messages, args.screened))
            out["two_processes_redis"] = _measured([a, b], load, sent)
    if "two_workers_one_port" in modes:
        _progress("two worker processes on one port with Redis")
        with Server(_server_env(redis=True), workers=2) as pair:
            load = partial(asyncio.run, _load(pair.url, pair.url, people, args.messages, args.screened))
            out["two_workers_one_port"] = _measured([pair], load, sent)
    if "one_process_among_idle" in modes:
        _progress(f"one process with {args.idle} idle sockets in {args.idle_conversations} other conversations")
        crowd = _idle_people(args.idle_conversations)
        with Server(_server_env(redis=False)) as one:
            out["one_process_among_idle"] = asyncio.run(_load_among_idle(one, people, crowd, args.idle, args))
    if "idle_rss" in modes:
        _progress(f"{args.idle} idle connections")
        with Server(_server_env(redis=False)) as idle:
            out["idle_rss"] = asyncio.run(_idle(idle.url, people, args.idle, idle))
    return out


if __name__ == "__main__":
    main()
