"""The audit log: append-only, hash-chained, and tampering is found."""

import pytest
from django.core.management import call_command
from django.db import connection

from confide.privacy.audit import SYSTEM, RequestContext, record_event, verify_chain
from confide.privacy.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def _three_events(user):
    ctx = RequestContext(user, "203.0.113.9", "pytest")
    return [record_event(ctx, f"test.action{i}", object_type="thing", object_id=i, subject=user) for i in range(3)]


def test_events_link_to_the_previous_hash(client_user):
    events = _three_events(client_user)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    report = verify_chain()
    assert report.ok and report.checked == AuditEvent.objects.count()


def test_event_records_who_what_when_where(client_user):
    event = record_event(
        RequestContext(client_user, "198.51.100.7", "Firefox"),
        "intake.view",
        object_type="intake",
        object_id="abc",
        subject=client_user,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_ref, stored.action, stored.ip, stored.user_agent) == (
        client_user.pk,
        str(client_user.pk),
        "intake.view",
        "198.51.100.7",
        "Firefox",
    )
    assert stored.subject_ref == str(client_user.pk)
    assert stored.outcome == "allowed"


def test_orm_refuses_update_and_delete(client_user):
    event = _three_events(client_user)[0]
    event.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_raw_sql_edit_is_detected_at_that_event(client_user):
    events = _three_events(client_user)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_auditevent SET action = %s WHERE id = %s", ["innocent.action", events[1].pk])
    report = verify_chain()
    assert report.first_broken_id == events[1].pk
    assert "edited" in report.problem


def test_raw_sql_delete_is_detected_at_the_next_event(client_user):
    events = _three_events(client_user)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_auditevent WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "removed" in report.problem


def test_truncating_the_tail_is_detected(client_user):
    events = _three_events(client_user)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_auditevent WHERE id = %s", [events[-1].pk])
    assert verify_chain().first_broken_id == -1


def test_verify_audit_command_exits_1_and_names_the_event(client_user, capsys):
    events = _three_events(client_user)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_auditevent SET ip = %s WHERE id = %s", ["10.0.0.1", events[0].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    assert f"event id {events[0].pk}" in capsys.readouterr().err


def test_system_events_have_no_actor():
    event = record_event(SYSTEM, "task.reminder_sent")
    assert event.actor_id is None and event.actor_ref == ""


def test_deleting_an_account_keeps_its_audit_trail_intact(client_user):
    _three_events(client_user)
    actor_ref = str(client_user.pk)
    client_user.client_profile.delete()
    client_user.delete()
    assert AuditEvent.objects.filter(actor_ref=actor_ref).count() == 3
    assert verify_chain().ok


def test_a_batch_append_is_one_run_of_the_chain_in_list_order(client_user):
    from confide.privacy.audit import AuditEntry, record_events

    record_event(RequestContext(user=client_user), "before.batch")
    entries = [AuditEntry(RequestContext(user=client_user), f"batch.{i}", object_id=i) for i in range(5)]
    events = record_events(entries)
    record_event(RequestContext(user=client_user), "after.batch")
    stored = list(AuditEvent.objects.order_by("id").values_list("action", "prev_hash", "hash"))
    assert [a for a, _, _ in stored] == ["before.batch", *[f"batch.{i}" for i in range(5)], "after.batch"]
    assert all(stored[i][1] == stored[i - 1][2] for i in range(1, len(stored)))  # each links to the one before
    assert [e.hash for e in events] == [h for a, _, h in stored if a.startswith("batch.")]
    report = verify_chain()
    assert report.ok and report.checked == 7


def test_an_empty_batch_appends_nothing(client_user):
    from confide.privacy.audit import record_events

    assert record_events([]) == []
    assert AuditEvent.objects.count() == 0


def test_written_out_insert_matches_the_orm(client_user):
    """record_events writes rows itself (speed); read back through the ORM they hold every field, ids in chain order."""
    from confide.privacy.audit import AuditEntry, record_events

    ctx = RequestContext(client_user, "2001:db8::7", "Mozilla/5.0 (X11) ✓")
    entries = [AuditEntry(ctx, "message.send", "message", f"m{i}", client_user, reason=f"r{i}") for i in range(3)]
    events = record_events(entries)
    stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk"))
    names = [f.attname for f in AuditEvent._meta.concrete_fields]
    assert [[getattr(s, n) for n in names] for s in stored] == [[getattr(e, n) for n in names] for e in events]
    assert [s.pk for s in stored] == sorted(e.pk for e in events)  # ids follow the chain
    assert stored[0].ip == "2001:db8::7" and stored[2].reason == "r2"
    assert verify_chain().ok


def test_a_system_event_has_no_actor_and_no_address():
    event = record_event(SYSTEM, "task.cleanup")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_ref, stored.ip, stored.user_agent) == (None, "", None, "")
