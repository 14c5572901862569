"""No double booking, ever: 20 clients race for one slot on real PostgreSQL; the exclusion constraint holds alone."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from confide.core.testing.fixtures import make_user
from confide.core.testing.services import need, using_postgres
from confide.scheduling.models import Appointment, Status
from confide.scheduling.services import booking
from confide.scheduling.tests.conftest import book, open_slots, sign_consent, type_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
RACERS = 20


def test_twenty_concurrent_bookings_of_one_slot_exactly_one_wins(practice):
    need(using_postgres(), "PostgreSQL (run with CONFIDE_DATABASE_URL=postgres://…)")
    clients = [make_user(f"racer{i}@example.test", "client", name=f"Racer {i}") for i in range(RACERS)]
    for client in clients:
        sign_consent(client)
    slot = open_slots(practice)[0]
    barrier = threading.Barrier(RACERS)
    wins, taken, other = [], [], []

    def racer(client) -> None:
        try:
            barrier.wait()
            wins.append(book(client, practice, slot))
        except booking.SlotTaken as exc:
            taken.append(str(exc))
        except Exception as exc:  # noqa: BLE001 — any other outcome fails the test below
            other.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert other == []
    assert len(wins) == 1
    assert taken == ["That time was just taken — please choose another."] * (RACERS - 1)
    assert Appointment.objects.filter(therapist=practice, status__in=["requested", "confirmed"]).count() == 1


def test_exclusion_constraint_refuses_overlap_even_without_the_service(practice, ready_client):
    need(using_postgres(), "PostgreSQL (run with CONFIDE_DATABASE_URL=postgres://…)")
    first = book(ready_client, practice)
    clash = dict(
        client=ready_client,
        therapist=practice,
        appointment_type=type_of(practice),
        kind="intake",
        modality="video",
        start_at=first.start_at + timedelta(minutes=30),
        end_at=first.end_at + timedelta(minutes=30),
    )
    with pytest.raises(IntegrityError, match="no_overlapping_appointments"), transaction.atomic():
        Appointment.objects.create(**clash)
    # Cancelled appointments do not hold time: the same row is fine once inactive.
    Appointment.objects.create(**clash, status=Status.CANCELLED)
    # Touching end-to-start is not an overlap ([) ranges).
    Appointment.objects.create(**{**clash, "start_at": first.end_at, "end_at": first.end_at + timedelta(minutes=50)})
