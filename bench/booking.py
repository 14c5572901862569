"""Scheduling on PostgreSQL: slot listing latency, concurrent booking throughput, the hot-slot race.

Usage: python bench/booking.py   (prints one JSON line)

Creates a throwaway database (confide_bench_booking on 127.0.0.1), fills it with
20 therapists who each have a year of appointment history (~2,100 past
appointments each, ~42,000 rows) and a half-booked next month, then measures:

* slot listing for a 4-week window (``available_slots``, and the API endpoint
  through the whole middleware stack), p50/p95 over 300 runs;
* booking throughput: 50 clients in 50 threads book 50 distinct slots at once,
  with one therapist (all serialised on that therapist's lock) and spread over 10;
* the hot-slot race: 20 clients in 20 threads (own connections) book one slot,
  repeated 100 times; afterwards SQL looks for any two overlapping active
  appointments of one therapist (there must be none).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "confide_bench_booking"
THERAPISTS = 20
HISTORY_DAYS = 365
DAY_HOURS = (9, 10, 11, 13, 14, 15, 16)  # local start times of history appointments
RACE_ROUNDS, RACERS = 100, 20
THROUGHPUT_CLIENTS = 50


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def _admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _threads(target, args_list) -> float:
    """Run ``target(*args)`` in one thread per args, started together; returns wall seconds."""
    barrier = threading.Barrier(len(args_list))

    def run(*args):
        from django.db import connection

        try:
            barrier.wait()
            target(*args)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=args) for args in args_list]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


# --- data ---------------------------------------------------------------------------------------------


def _users(prefix: str, role: str, count: int, tz: str):
    from confide.accounts.models import ClientProfile, User

    users = User.objects.bulk_create(
        User(email=f"{prefix}{i}@bench.test", role=role, display_name=f"{prefix} {i}", time_zone=tz)
        for i in range(count)
    )
    if role == "client":
        ClientProfile.objects.bulk_create(ClientProfile(user=u, jurisdiction="US-NY") for u in users)
    return users


def _setup_people():
    from datetime import time as clock

    from django.utils import timezone

    from confide.directory.models import Licence, LicenceType
    from confide.intake.models import ConsentDocument, ConsentSignature
    from confide.scheduling.models import SchedulingPolicy, WeeklyHours
    from confide.scheduling.services.setup import ensure_defaults

    therapists = _users("therapist", "therapist", THERAPISTS, "America/New_York")
    clients = _users("client", "client", 200, "Europe/Berlin")
    kind, _ = LicenceType.objects.get_or_create(slug="lpc", defaults={"name": "LPC"})
    document = ConsentDocument.objects.filter(published_at__isnull=False).first() or ConsentDocument.objects.create(
        version=1, title="Consent", body="…", published_at=timezone.now()
    )
    ConsentSignature.objects.bulk_create(ConsentSignature(client=c, document=document, typed_name="B") for c in clients)
    for therapist in therapists:
        ensure_defaults(therapist)
        Licence.objects.create(
            therapist=therapist,
            licence_type=kind,
            number="B1",
            jurisdiction="US-NY",
            expires_on=timezone.localdate() + timedelta(days=900),
            status="verified",
        )
        WeeklyHours.objects.bulk_create(
            WeeklyHours(therapist=therapist, weekday=d, start_time=clock(8), end_time=clock(20)) for d in range(6)
        )
    SchedulingPolicy.objects.update(
        min_notice_hours=0, horizon_days=365, buffer_minutes=10, max_per_day=24, max_per_week=140
    )
    return therapists, clients


def _history(therapists, clients) -> int:
    """A year of completed/cancelled appointments per therapist, and the next 4 weeks about half booked."""
    from zoneinfo import ZoneInfo

    from confide.scheduling.models import Appointment, AppointmentType
    from confide.scheduling.slots import to_instant

    zone = ZoneInfo("America/New_York")
    today = datetime.now(UTC).astimezone(zone).date()
    rows, count = [], 0
    for t_index, therapist in enumerate(therapists):
        therapy = AppointmentType.objects.get(therapist=therapist, kind="therapy")
        for offset in range(-HISTORY_DAYS, 29):
            day = today + timedelta(days=offset)
            if day.weekday() == 6:
                continue
            hours = DAY_HOURS if offset < 0 else DAY_HOURS[::2]
            for h_index, hour in enumerate(hours):
                start = to_instant(day, datetime.min.time().replace(hour=hour), zone)
                if offset >= 0 and start <= datetime.now(UTC):
                    continue
                past = offset < 0
                status = ("cancelled" if h_index == 3 else "completed") if past else "confirmed"
                client = clients[(t_index * 7 + h_index + offset) % len(clients)]
                rows.append(
                    Appointment(
                        client=client,
                        therapist=therapist,
                        appointment_type=therapy,
                        kind="therapy",
                        modality="video",
                        start_at=start,
                        end_at=start + timedelta(minutes=50),
                        status=status,
                    )
                )
        if len(rows) > 5000:
            Appointment.objects.bulk_create(rows, batch_size=1000)
            count, rows = count + len(rows), []
    Appointment.objects.bulk_create(rows, batch_size=1000)
    return count + len(rows)


# --- measurements -------------------------------------------------------------------------------------------


def bench_slot_listing(therapist, client, runs: int = 300) -> dict:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from confide.scheduling.availability import available_slots
    from confide.scheduling.models import AppointmentType

    therapy = AppointmentType.objects.get(therapist=therapist, kind="therapy")
    function_ms, counts = [], set()
    for _ in range(runs):
        start = timezone.now()
        t0 = time.perf_counter()
        found = available_slots(therapist, therapy, start, start + timedelta(days=28), "Europe/Berlin", viewer=client)
        function_ms.append((time.perf_counter() - t0) * 1000)
        counts.add(len(found))
    http = Client()
    http.force_login(client, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/api/scheduling/therapists/{therapist.pk}/slots"
    api_ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = http.get(url, {"appointment_type_id": therapy.pk, "tz": "Asia/Kolkata"})
        api_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scheduling_appointment")
        total = cursor.fetchone()[0]
    return {
        "appointments_in_table": total,
        "slots_in_4_weeks": max(counts),
        "slot_listing_4_weeks": _percentiles(function_ms),
        "slot_listing_api_4_weeks": _percentiles(api_ms),
    }


def _book(client, therapist, start, outcomes: list, kind="therapy") -> None:
    from confide.privacy.audit import RequestContext
    from confide.scheduling.models import AppointmentType
    from confide.scheduling.services.booking import SlotTaken, book_appointment

    appointment_type = AppointmentType.objects.get(therapist=therapist, kind=kind)
    t0 = time.perf_counter()
    try:
        book_appointment(
            RequestContext(user=client),
            client=client,
            therapist=therapist,
            appointment_type=appointment_type,
            start_at=start,
            modality="video",
        )
        outcomes.append(("ok", (time.perf_counter() - t0) * 1000))
    except SlotTaken:
        outcomes.append(("taken", (time.perf_counter() - t0) * 1000))
    except Exception as exc:  # noqa: BLE001 — reported in the figures
        outcomes.append((f"error: {exc}", 0.0))


def _spread_slots(therapists, count: int, gap_hours: int, days_from: int):
    """``count`` open slots at least ``gap_hours`` apart per therapist, round-robin over ``therapists``."""
    from django.utils import timezone

    from confide.scheduling.availability import available_slots
    from confide.scheduling.models import AppointmentType

    per = {}
    for therapist in therapists:
        therapy = AppointmentType.objects.get(therapist=therapist, kind="therapy")
        start = timezone.now() + timedelta(days=days_from)
        chosen, last = [], None
        for slot in available_slots(therapist, therapy, start, start + timedelta(days=90), "UTC"):
            if last is None or slot.start - last >= timedelta(hours=gap_hours):
                chosen.append(slot.start)
                last = slot.start
        per[therapist.pk] = chosen
    picked = []
    for i in range(count):
        therapist = therapists[i % len(therapists)]
        picked.append((therapist, per[therapist.pk][i // len(therapists)]))
    return picked


def bench_throughput(therapists, clients) -> dict:
    serial: list = []
    for i, (therapist, start) in enumerate(_spread_slots(therapists[12:13], 30, gap_hours=2, days_from=30)):
        _book(clients[100 + i], therapist, start, serial)
    figures = {"booking_serial_1_client": _percentiles([ms for status, ms in serial if status == "ok"])}
    runs = (("1_therapist", therapists[:1], clients[:50]), ("10_therapists", therapists[1:11], clients[50:100]))
    for label, pool, people in runs:
        slots = _spread_slots(pool, THROUGHPUT_CLIENTS, gap_hours=2, days_from=30)
        outcomes: list = []
        args = [(people[i], therapist, start, outcomes) for i, (therapist, start) in enumerate(slots)]
        seconds = _threads(_book, args)
        ok = [ms for status, ms in outcomes if status == "ok"]
        figures[f"booking_{THROUGHPUT_CLIENTS}_concurrent_{label}"] = {
            "booked": len(ok),
            "failed": [s for s, _ in outcomes if s != "ok"][:3],
            "bookings_per_s": round(len(ok) / seconds, 1),
            "latency": _percentiles(ok),
        }
    return figures


def bench_race(therapist, clients) -> dict:
    slots = _spread_slots([therapist], RACE_ROUNDS, gap_hours=2, days_from=95)
    winners, taken, errors, round_ms = 0, 0, [], []
    for round_index, (_, start) in enumerate(slots):
        outcomes: list = []
        racers = clients[(round_index * 7) % 150 :][:RACERS]
        round_ms.append(_threads(_book, [(c, therapist, start, outcomes) for c in racers]) * 1000)
        ok = sum(1 for status, _ in outcomes if status == "ok")
        winners += ok
        taken += sum(1 for status, _ in outcomes if status == "taken")
        errors += [status for status, _ in outcomes if status.startswith("error")]
        if ok != 1:
            errors.append(f"round {round_index}: {ok} winners")
    return {
        "hot_slot_rounds": RACE_ROUNDS,
        "hot_slot_racers_per_round": RACERS,
        "hot_slot_winners": winners,
        "hot_slot_taken_errors": taken,
        "hot_slot_other_errors": errors[:5],
        "hot_slot_round": _percentiles(round_ms),
        "double_bookings": _overlaps(),
    }


def _overlaps() -> int:
    """Pairs of active appointments of one therapist that overlap, over the whole table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
              ON a.therapist_id = b.therapist_id AND a.id < b.id
             AND a.start_at < b.end_at AND b.start_at < a.end_at
             WHERE a.status IN ('requested', 'confirmed') AND b.status IN ('requested', 'confirmed')
            """
        )
        return cursor.fetchone()[0]


def main() -> None:
    os.environ["CONFIDE_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    os.environ["CONFIDE_LOG_LEVEL"] = "ERROR"
    _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        setup_test_environment()
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        therapists, clients = _setup_people()
        history = _history(therapists, clients)
        figures = {
            "bench": "booking",
            "database": "postgresql",
            "therapists": THERAPISTS,
            "history_appointments": history,
            "setup_s": round(time.perf_counter() - t0, 1),
        }
        figures.update(bench_slot_listing(therapists[0], clients[0]))
        figures.update(bench_throughput(therapists, clients))
        figures.update(bench_race(therapists[11], clients))
        print(json.dumps(figures))
    finally:
        from django.db import connections

        connections.close_all()
        _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
