"""Foundation costs: PHI field encryption, audit appends, and a signed-in page through the full stack.

Usage: python bench/foundation.py [--postgres]   (prints one JSON line)

Runs against a throwaway SQLite file, or a throwaway PostgreSQL database
(confide_bench_foundation on 127.0.0.1) with --postgres.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _configure(postgres: bool) -> str:
    if postgres:
        os.environ["CONFIDE_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/confide_bench_foundation"
        return "postgresql"
    os.environ["CONFIDE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    return "sqlite"


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def bench_crypto(n: int = 20_000) -> dict[str, float]:
    from confide.privacy.crypto import decrypt_text, encrypt_text

    text = "I have been feeling low for about three weeks and sleep badly." * 4
    start = time.perf_counter()
    tokens = [encrypt_text(text, context="bench.field") for _ in range(n)]
    encrypt_us = (time.perf_counter() - start) / n * 1e6
    start = time.perf_counter()
    for token in tokens:
        decrypt_text(token, context="bench.field")
    decrypt_us = (time.perf_counter() - start) / n * 1e6
    return {"encrypt_us_per_field": round(encrypt_us, 2), "decrypt_us_per_field": round(decrypt_us, 2)}


def bench_audit(n: int = 2000, threads: int = 4) -> dict[str, float]:
    from django.db import connection

    from confide.privacy.audit import SYSTEM, record_event, verify_chain

    samples: list[float] = []
    for i in range(n):
        t0 = time.perf_counter()
        record_event(SYSTEM, "bench.append", object_id=i)
        samples.append((time.perf_counter() - t0) * 1000)
    per_thread = n // threads

    def worker() -> None:
        for i in range(per_thread):
            record_event(SYSTEM, "bench.concurrent", object_id=i)
        connection.close()

    start = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    concurrent_rate = per_thread * threads / (time.perf_counter() - start)
    t0 = time.perf_counter()
    report = verify_chain()
    return {
        "audit_append": _percentiles(samples),
        "audit_appends_per_s_serial": round(n / (sum(samples) / 1000), 1),
        f"audit_appends_per_s_{threads}_threads": round(concurrent_rate, 1),
        "audit_verify_events_per_s": round(report.checked / (time.perf_counter() - t0), 1),
        "audit_chain_ok": report.ok,
    }


def bench_page(n: int = 300) -> dict[str, object]:
    from django.test import Client

    from confide.core.testing.fixtures import make_user

    user = make_user(f"bench-{time.time_ns()}@example.test", "client")
    http = Client()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        assert http.get("/account/profile/").status_code == 200
        samples.append((time.perf_counter() - t0) * 1000)
    return {"profile_page_decrypt_and_audit": _percentiles(samples)}


def main() -> None:
    postgres = "--postgres" in sys.argv
    database = _configure(postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    os.environ["CONFIDE_LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    if postgres:
        _recreate_postgres_database()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    figures = {"bench": "foundation", "database": database, **bench_crypto(), **bench_audit(), **bench_page()}
    print(json.dumps(figures))


def _recreate_postgres_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS confide_bench_foundation")
        conn.execute("CREATE DATABASE confide_bench_foundation")


if __name__ == "__main__":
    main()
