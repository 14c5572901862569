"""Many writers at once still make one unbroken chain (row lock on the chain head, real PostgreSQL)."""

import threading

import pytest
from django.db import connection

from confide.core.testing.services import need, using_postgres
from confide.privacy.audit import SYSTEM, record_event, verify_chain
from confide.privacy.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_appends_form_a_single_valid_chain():
    need(using_postgres(), "PostgreSQL (run with CONFIDE_DATABASE_URL=postgres://…)")
    threads, per_thread, errors = 8, 15, []
    barrier = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                record_event(SYSTEM, "test.concurrent", object_id=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == threads * per_thread
    report = verify_chain()
    assert report.ok, report.problem
