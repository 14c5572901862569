"""Video call setup latency and the signalling server's cost of idle rooms.

Usage: python bench/call_setup.py   (prints one JSON line)

Starts the real ASGI app (uvicorn, one process, in-memory channel layer) on a
throwaway SQLite database, then measures:

* call setup: two aiortc peers (therapist and client) join a visit's signalling
  socket; the time from the therapist's "admit" to both peer connections being
  ``connected`` (admit → admitted → offer → answer → ICE → DTLS-SRTP), over
  loopback, p50/p95 over 50 calls;
* idle rooms: 500 visits with both participants' sockets open and silent;
  RSS of the server process before and after, and its CPU use while idle.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CALLS = 50
IDLE_ROOMS = 500
IDLE_SECONDS = 10
UNUSABLE = "!"  # noqa: S105 — Django's marker for "no password" (no hashing for thousands of rows)
PORT = 8765
# Signalling frames are small JSON: per-message deflate saves nothing and costs ~80 KB of zlib state per
# socket (500 rooms: 80 MB with it, 43 MB without). BENCH_DEFLATE=true measures it switched on.
DEFLATE = "true" if os.environ.get("BENCH_DEFLATE") == "true" else "false"


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "max_ms": round(ordered[-1], 1)}


# --- data ---------------------------------------------------------------------------------------------


def _people(count: int):
    """``count`` therapist/client pairs with sessions (no password hashing: bulk rows)."""
    from allauth.mfa.models import Authenticator

    from confide.accounts.models import ClientProfile, User

    therapists = User.objects.bulk_create(
        User(email=f"t{i}@bench.test", role="therapist", display_name=f"T {i}", password=UNUSABLE) for i in range(count)
    )
    clients = User.objects.bulk_create(
        User(email=f"c{i}@bench.test", role="client", display_name=f"C {i}", password=UNUSABLE) for i in range(count)
    )
    ClientProfile.objects.bulk_create(ClientProfile(user=c, jurisdiction="US-NY") for c in clients)
    Authenticator.objects.bulk_create(Authenticator(user=t, type=Authenticator.Type.TOTP, data={}) for t in therapists)
    return list(zip(therapists, clients, strict=True))


def _cookie(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _rooms(pairs) -> list[dict]:
    """One confirmed video appointment starting now per pair, its visit, and each side's token + cookie."""
    from django.utils import timezone

    from confide.privacy.audit import RequestContext
    from confide.scheduling.models import Appointment, AppointmentType
    from confide.telehealth.services.lifecycle import visit_for
    from confide.telehealth.services.tokens import mint_join_token

    now = timezone.now()
    rooms = []
    for therapist, client in pairs:
        kind = AppointmentType.objects.create(therapist=therapist, kind="therapy", minutes=50)
        appointment = Appointment.objects.create(
            client=client, therapist=therapist, appointment_type=kind, kind="therapy", modality="video",
            start_at=now, end_at=now + timedelta(minutes=50), status="confirmed",
        )  # fmt: skip
        visit = visit_for(appointment)
        rooms.append(
            {
                "therapist": (mint_join_token(RequestContext(user=therapist), visit), _cookie(therapist)),
                "client": (mint_join_token(RequestContext(user=client), visit), _cookie(client)),
            }
        )
    return rooms


# --- the server process -------------------------------------------------------------------------------


def _start_server(env: dict) -> subprocess.Popen:
    command = [
        *(sys.executable, "-m", "uvicorn", "confide.asgi:application", "--host", "127.0.0.1", "--port", str(PORT)),
        *("--ws", "websockets-sansio", "--ws-per-message-deflate", DEFLATE, "--log-level", "warning"),
        *("--lifespan", "off"),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 — our own interpreter and module
    deadline = time.monotonic() + 30
    import socket

    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                return server
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("uvicorn did not start")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- measurements -------------------------------------------------------------------------------------


async def _calls(rooms: list[dict], ws_url: str, origin: str) -> list[float]:
    from confide.telehealth.tests import peers

    samples = []
    for room in rooms:
        t, c = await peers.join_both(ws_url, origin, room["therapist"], room["client"])
        samples.append(await peers.admit_and_connect(t, c) * 1000)
        await peers.hang_up(t, c)
    return samples


async def _idle(rooms: list[dict], ws_url: str, origin: str, pid: int) -> dict:
    from confide.telehealth.tests import peers

    sockets = []
    for room in rooms:
        for side in ("therapist", "client"):
            ws = await peers.open_socket(ws_url, *room[side], origin)
            await peers.next_frame(ws, "welcome")
            sockets.append(ws)
    await asyncio.sleep(2)
    rss = _rss_mb(pid)
    cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    cpu = (_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    for ws in sockets:
        await ws.close()
    return {"sockets": len(sockets), "rss_mb": rss, "idle_cpu_percent": round(cpu * 100, 2)}


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="confide-bench-call-")
    env = {
        **os.environ,
        "CONFIDE_DATA_DIR": workdir,
        "CONFIDE_DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "DJANGO_SETTINGS_MODULE": "confide.settings",
        "CONFIDE_LOG_LEVEL": "ERROR",
    }
    env.pop("CONFIDE_REDIS_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rooms = _rooms(_people(CALLS + IDLE_ROOMS))
    from confide.telehealth.tests import peers

    peers.loopback_only()
    server = _start_server(env)
    try:
        ws_url, origin = f"ws://127.0.0.1:{PORT}", f"http://127.0.0.1:{PORT}"
        baseline_rss = _rss_mb(server.pid)
        setup = asyncio.run(_calls(rooms[:CALLS], ws_url, origin))
        after_calls_rss = _rss_mb(server.pid)
        idle = asyncio.run(_idle(rooms[CALLS:], ws_url, origin, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = {
        "bench": "call_setup",
        "calls": CALLS,
        "admit_to_connected": _percentiles(setup),
        "server_rss_mb": {
            "start": baseline_rss,
            "after_calls": after_calls_rss,
            f"{IDLE_ROOMS}_idle_rooms": idle["rss_mb"],
        },
        "idle_rooms": IDLE_ROOMS,
        "idle_sockets": idle["sockets"],
        "idle_rss_added_mb": round(idle["rss_mb"] - after_calls_rss, 1),
        "idle_cpu_percent": idle["idle_cpu_percent"],
        "ws_per_message_deflate": DEFLATE == "true",
        "goals": {"p95_setup_ms": 500, "rss_mb_500_rooms": 100},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
