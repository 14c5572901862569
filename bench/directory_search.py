"""Directory search and matching latency over HTTP (uvicorn) at 100,000 therapists.

Usage: python bench/directory_search.py [--postgres] [--therapists N] [--rounds R] [--reuse]   (prints one JSON line)

``--reuse`` keeps the seeded database between runs (SQLite: var/bench_directory.sqlite3;
PostgreSQL: confide_bench_directory) and only migrates it, so a re-run after a code change
takes seconds instead of minutes of seeding.

Seeds N synthetic therapists (``seed_directory``'s generator) into a throwaway
SQLite file or PostgreSQL database (confide_bench_directory), starts uvicorn
on a free loopback port, and times the search API for 24 representative filter
combinations (R rounds each, keep-alive connection, token auth) plus matching
for one client (GET /api/directory/matching: decrypt the saved answers, audit the
read, rank and explain the top 10).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMBOS = [
    {"jurisdiction": "US-NY"},
    {"jurisdiction": "US-CA"},
    {"jurisdiction": "US-TX"},  # PSYPACT member: licensed-there OR compact psychologists
    {"jurisdiction": "US-PA", "include_unavailable": "1"},
    {"jurisdiction": "GB"},
    {"jurisdiction": "DE-BE"},
    {"jurisdiction": "US-NY", "specialty": "anxiety"},
    {"jurisdiction": "US-NY", "specialty": "trauma-ptsd", "language": "es"},
    {"jurisdiction": "US-FL", "approach": "cbt", "modality": "video"},
    {"jurisdiction": "US-CA", "population": "couples", "sort": "fee"},
    {"jurisdiction": "US-IL", "competency": "lgbtq-affirming"},
    {"jurisdiction": "US-NY", "insurance": "aetna", "max_fee": "150"},
    {"jurisdiction": "US-WA", "gender": "woman", "sort": "soonest"},
    {"jurisdiction": "US-NY", "within_days": "7"},
    {"jurisdiction": "US-OH", "evenings": "1", "weekends": "1"},
    {"jurisdiction": "US-NY", "q": "grief"},
    {"jurisdiction": "US-TX", "q": "trauma informed"},
    {"jurisdiction": "US-CA", "q": "warm practical", "specialty": "depression"},
    {"jurisdiction": "US-NY", "page": "5"},
    {"jurisdiction": "US-GA", "page": "3", "sort": "fee"},
    {"jurisdiction": "US-NY", "specialty": "ocd", "approach": "exposure", "modality": "video", "language": "en"},
    {"jurisdiction": "US-MA", "max_fee": "100", "sort": "fee"},
    {"jurisdiction": "CA-ON"},
    {"jurisdiction": "US-AZ", "include_unavailable": "1", "sort": "soonest"},
]
MATCH_ANSWERS = {
    "jurisdiction": "US-TX",
    "concerns": ["trauma-ptsd", "anxiety"],
    "language": "es",
    "therapist_gender": "woman",
    "competencies": ["bipoc-centred"],
    "modality": "video",
    "modality_required": True,
    "max_fee": 150,
    "insurance": "aetna",
    "times": ["evenings"],
}


def _configure(postgres: bool, reuse: bool) -> str:
    if postgres:
        os.environ["CONFIDE_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/confide_bench_directory"
        return "postgresql"
    folder = ROOT / "var" if reuse else Path(tempfile.mkdtemp())
    folder.mkdir(exist_ok=True)
    os.environ["CONFIDE_DATABASE_URL"] = f"sqlite:///{folder}/bench_directory.sqlite3"
    return "sqlite"


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "confide.asgi:application", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "CONFIDE_LOG_LEVEL": "ERROR"})  # noqa: S603
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("uvicorn did not start")


def _timed(conn: http.client.HTTPConnection, method: str, path: str, token: str, body=None) -> tuple[float, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status != 200:
        raise RuntimeError(f"{method} {path} → {response.status}: {data[:300]!r}")
    return elapsed, json.loads(data)


def bench_http(port: int, token: str, rounds: int) -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    paths = ["/api/directory/therapists?" + urlencode(c) for c in COMBOS]
    for path in paths:  # warm caches and connections
        _timed(conn, "GET", path, token)
    samples, per_combo, totals = [], {}, {}
    for _ in range(rounds):
        for path in paths:
            elapsed, body = _timed(conn, "GET", path, token)
            samples.append(elapsed)
            per_combo.setdefault(path, []).append(elapsed)
            totals[path] = body["total"]
    slowest = max(per_combo, key=lambda p: _percentiles(per_combo[p])["p95_ms"])
    match_samples = []
    _timed(conn, "GET", "/api/directory/matching", token)  # warm-up, as every search path had one above
    # 50 samples at least: with 20, "p95" was simply the slowest request.
    for _ in range(max(50, rounds)):  # GET: decrypt the saved answers, audit the read, rank, explain
        elapsed, matches = _timed(conn, "GET", "/api/directory/matching", token)
        match_samples.append(elapsed)
    return {
        "search": _percentiles(samples),
        "search_requests": len(samples),
        "search_combinations": len(paths),
        "slowest_combination": {"query": slowest.split("?", 1)[1], **_percentiles(per_combo[slowest])},
        "median_results_per_query": sorted(totals.values())[len(totals) // 2],
        "matching": _percentiles(match_samples),
        "matching_results": len(matches),
    }


def main() -> None:
    postgres = "--postgres" in sys.argv
    count = int(sys.argv[sys.argv.index("--therapists") + 1]) if "--therapists" in sys.argv else 100_000
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 20
    reuse = "--reuse" in sys.argv
    database = _configure(postgres, reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    os.environ["CONFIDE_LOG_LEVEL"] = "ERROR"
    if postgres:
        _recreate_postgres_database(keep=reuse)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    from confide.directory.models import TherapistProfile
    from confide.directory.seeding import seed_therapists

    missing = count - TherapistProfile.objects.count() if reuse else count
    if missing > 0:
        seed_therapists(missing, seed=42, start=count - missing)
    seed_seconds = time.perf_counter() - t0
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics, as after any bulk load; on PostgreSQL also the visibility map (what autovacuum
        # does soon after a load), without which the covering index cannot be read index-only.
        cursor.execute("VACUUM ANALYZE" if postgres else "ANALYZE")
    token = _client_token()
    port = _free_port()
    server = _start_server(port)
    try:
        figures = bench_http(port, token, rounds)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        json.dumps(
            {
                "bench": "directory_search",
                "database": database,
                "therapists": count,
                "seed_seconds": round(seed_seconds, 1),
                **figures,
            }
        )
    )


def _client_token() -> str:
    from confide.accounts.services import issue_api_token
    from confide.core.testing.fixtures import make_user
    from confide.directory.matching import submit_answers
    from confide.privacy.audit import SYSTEM, RequestContext

    user = make_user(f"bench-client-{time.time_ns()}@example.test", "client", jurisdiction="US-TX")
    submit_answers(RequestContext(user=user), user, MATCH_ANSWERS)
    return issue_api_token(SYSTEM, user, "bench").secret


def _recreate_postgres_database(*, keep: bool) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'confide_bench_directory'").fetchone()
        if exists and keep:
            return
        conn.execute("DROP DATABASE IF EXISTS confide_bench_directory")
        conn.execute("CREATE DATABASE confide_bench_directory")


if __name__ == "__main__":
    main()
