"""Escalation: safety events, who is alerted, the PHI-free e-mail, closing, text screening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.utils import timezone

from confide.accounts.models import Role
from confide.core.testing.fixtures import make_user
from confide.privacy.audit import SYSTEM, RequestContext
from confide.privacy.models import AuditEvent
from confide.safety import escalation
from confide.safety.models import Alert, Level, OnCallShift, SafetyEvent, Source

SECRET_TEXT = "I have a plan to end my life tonight with the pills"


def ctx_for(user) -> RequestContext:
    return RequestContext(user=user, ip="203.0.113.9", user_agent="pytest")


def run_tasks() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def raise_event(client_user, level=Level.HIGH, source=Source.HELP_BUTTON, **kwargs) -> SafetyEvent:
    return escalation.escalate(ctx_for(client_user), client_user, source=source, level=level, reasons=["r"], **kwargs)


@pytest.mark.django_db
def test_escalate_high_alerts_therapist_and_on_call_staff_in_app(care, client_user, therapist, staff, other_staff):
    OnCallShift.objects.create(staff=staff)
    event = raise_event(client_user)
    recipients = sorted(Alert.objects.filter(event=event).values_list("recipient__email", flat=True))
    assert recipients == sorted([therapist.email, staff.email])


@pytest.mark.django_db
def test_escalate_alerts_all_staff_when_nobody_is_on_call(care, client_user, therapist, staff, other_staff):
    event = raise_event(client_user)
    recipients = sorted(Alert.objects.filter(event=event).values_list("recipient__email", flat=True))
    assert recipients == sorted([therapist.email, staff.email, other_staff.email])


@pytest.mark.django_db
def test_escalate_ignores_ended_shifts_and_other_therapists(
    care, client_user, therapist, other_therapist, staff, other_staff
):
    OnCallShift.objects.create(
        staff=staff, starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    OnCallShift.objects.create(staff=other_staff)
    event = raise_event(client_user)
    recipients = sorted(Alert.objects.filter(event=event).values_list("recipient__email", flat=True))
    assert recipients == sorted([therapist.email, other_staff.email])


@pytest.mark.django_db
def test_low_level_alerts_only_the_therapist_and_sends_no_email(
    care, client_user, therapist, staff, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        event = raise_event(client_user, level=Level.LOW, source=Source.TEXT_SCREENING)
    assert list(Alert.objects.filter(event=event).values_list("recipient__email", flat=True)) == [therapist.email]
    assert DBTaskResult.objects.count() == 0  # no e-mail task was queued


@pytest.mark.django_db
def test_low_level_without_a_therapist_reaches_on_call_staff(client_user, staff):
    event = raise_event(client_user, level=Level.LOW, source=Source.TEXT_SCREENING)
    assert list(Alert.objects.filter(event=event).values_list("recipient__email", flat=True)) == [staff.email]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_alert_email_reaches_each_recipient_without_phi(care, client_user, therapist, staff, mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client_user.display_name = "Casey Pseudonym"
    client_user.save()
    escalation.escalate(
        ctx_for(client_user),
        client_user,
        source=Source.TEXT_SCREENING,
        level=Level.HIGH,
        reasons=["Screening of message text: plan and means"],
        text=SECRET_TEXT,
    )
    run_tasks()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([therapist.email, staff.email])
    for message in mailoutbox:
        whole = message.subject + message.body
        assert "A client on Confide needs your attention. Sign in to see details." in message.body
        for phi in ("Casey", client_user.email, "pills", "plan", "high", "Screening", str(client_user.pk)):
            assert phi not in whole
    assert Alert.objects.filter(emailed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_event_text_and_reasons_are_encrypted_at_rest(care, client_user):
    event = escalation.escalate(
        ctx_for(client_user),
        client_user,
        source=Source.TEXT_SCREENING,
        level=Level.HIGH,
        reasons=["why"],
        text=SECRET_TEXT,
    )
    escalation.close_safety_event(ctx_for(care.therapist), event, "Called the client; safe with family.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT trigger_text, reasons, close_note FROM safety_safetyevent WHERE id = %s", [event.pk.hex])
        row = cursor.fetchone() or ()
    if not row:  # PostgreSQL stores uuid natively
        with connection.cursor() as cursor:
            cursor.execute("SELECT trigger_text, reasons, close_note FROM safety_safetyevent WHERE id = %s", [event.pk])
            row = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in row)
    assert "pills" not in " ".join(row) and "family" not in " ".join(row)


@pytest.mark.django_db
def test_same_source_ref_updates_one_event_and_only_raises(care, client_user, therapist, staff):
    first = raise_event(client_user, level=Level.MODERATE, source=Source.PHQ9_ITEM9, source_ref="phq9:1")
    same = raise_event(client_user, level=Level.LOW, source=Source.CSSRS, source_ref="phq9:1")
    assert same.pk == first.pk
    assert SafetyEvent.objects.get(pk=first.pk).level == Level.MODERATE
    alerts_before = Alert.objects.count()
    raised = raise_event(client_user, level=Level.HIGH, source=Source.CSSRS, source_ref="phq9:1")
    assert raised.pk == first.pk and SafetyEvent.objects.get(pk=first.pk).level == Level.HIGH
    assert Alert.objects.count() == alerts_before + 2  # therapist and staff alerted again
    assert SafetyEvent.objects.count() == 1


@pytest.mark.django_db
def test_help_button_pressed_twice_makes_one_event(care, client_user):
    first = escalation.request_help_now(ctx_for(client_user), client_user)
    second = escalation.request_help_now(ctx_for(client_user), client_user)
    assert first.pk == second.pk
    assert (first.level, first.source) == (Level.HIGH, Source.HELP_BUTTON)


@pytest.mark.django_db
def test_help_button_refused_for_someone_else(client_user, therapist):
    from confide.privacy.access import AccessDenied

    with pytest.raises(AccessDenied):
        escalation.request_help_now(ctx_for(therapist), client_user)


@pytest.mark.django_db
def test_escalate_records_audit_event(care, client_user):
    event = raise_event(client_user)
    audit = AuditEvent.objects.filter(action="safety_event.open", object_id=str(event.pk))
    assert audit.count() == 1


@pytest.mark.django_db
def test_escalate_rejects_unknown_source_level_and_non_clients(client_user, therapist):
    with pytest.raises(ValidationError):
        escalation.escalate(SYSTEM, client_user, source="astrology", level=Level.HIGH, reasons=[])
    with pytest.raises(ValidationError):
        escalation.escalate(SYSTEM, client_user, source=Source.HELP_BUTTON, level="apocalyptic", reasons=[])
    with pytest.raises(ValidationError):
        escalation.escalate(SYSTEM, therapist, source=Source.HELP_BUTTON, level=Level.HIGH, reasons=[])


@pytest.mark.django_db
def test_close_requires_the_treating_therapist_and_a_note(care, client_user, therapist, other_therapist, staff):
    event = raise_event(client_user)
    with pytest.raises(Http404):
        escalation.close_safety_event(ctx_for(other_therapist), event, "I looked at it carefully.")
    from confide.privacy.access import AccessDenied

    with pytest.raises(AccessDenied):  # on-call staff see the event but the therapist closes it
        escalation.close_safety_event(ctx_for(staff), event, "I looked at it carefully.")
    with pytest.raises(ValidationError):
        escalation.close_safety_event(ctx_for(therapist), event, "ok")
    closed = escalation.close_safety_event(ctx_for(therapist), event, "Phoned client, made a safety plan.")
    assert (closed.status, closed.closed_by) == (SafetyEvent.Status.CLOSED, therapist)
    assert Alert.objects.filter(event=event, read_at__isnull=True).count() == 0
    with pytest.raises(ValidationError):
        escalation.close_safety_event(ctx_for(therapist), event, "Phoned client again today.")


@pytest.mark.django_db
def test_screen_client_text_urgent_escalates_high(care, client_user, therapist):
    screening = escalation.screen_client_text(
        ctx_for(client_user), client_user, SECRET_TEXT, source="message", source_ref="message:1"
    )
    assert screening.level == "urgent"
    event = SafetyEvent.objects.get(client=client_user)
    assert (event.level, event.source, event.trigger_text) == (Level.HIGH, Source.TEXT_SCREENING, SECRET_TEXT)


@pytest.mark.django_db
def test_screen_client_text_plain_text_records_nothing(care, client_user):
    screening = escalation.screen_client_text(
        ctx_for(client_user), client_user, "Looking forward to our session on Tuesday.", source="message"
    )
    assert screening.level == "none"
    assert SafetyEvent.objects.count() == 0


@pytest.mark.parametrize("text", ["", " " * 10, "😀🎉🌈", "x" * 200_000, "Hola, ¿cómo estás?", "\x00\x01", None])
@pytest.mark.django_db
def test_screen_client_text_bad_input_has_a_defined_result(care, client_user, text):
    screening = escalation.screen_client_text(ctx_for(client_user), client_user, text, source="message")
    assert screening.level in ("none", "concern", "urgent")


@pytest.mark.django_db
def test_events_visible_to_therapist_only_for_own_clients(
    care, client_user, other_client, therapist, other_therapist, staff
):
    mine = raise_event(client_user)
    theirs = raise_event(other_client)
    assert list(escalation.events_visible_to(therapist)) == [mine]
    assert list(escalation.events_visible_to(other_therapist)) == []
    assert sorted(e.pk for e in escalation.events_visible_to(staff)) == sorted([mine.pk, theirs.pk])


@pytest.mark.django_db
def test_on_call_shift_start_and_end(staff, other_staff, therapist):
    escalation.start_on_call(ctx_for(staff))
    assert escalation.on_call_staff() == [staff]
    escalation.end_on_call(ctx_for(staff))
    assert sorted(u.email for u in escalation.on_call_staff()) == sorted([staff.email, other_staff.email])
    from confide.privacy.access import AccessDenied

    with pytest.raises(AccessDenied):
        escalation.start_on_call(ctx_for(therapist))


@pytest.mark.django_db
def test_inactive_staff_are_not_alerted(care, client_user, staff):
    retired = make_user("retired@example.test", Role.STAFF)
    retired.is_active = False
    retired.save()
    event = raise_event(client_user)
    assert retired.pk not in set(Alert.objects.filter(event=event).values_list("recipient_id", flat=True))
