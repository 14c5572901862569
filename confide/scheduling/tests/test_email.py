"""E-mails go through a real SMTP server (aiosmtpd on loopback) via the task worker — and say nothing clinical."""

import email
import socket
from datetime import timedelta
from email import policy as email_policy
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from confide.privacy.audit import RequestContext
from confide.scheduling.emails import when_text
from confide.scheduling.services import booking
from confide.scheduling.tests.conftest import book

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NOTE = "Panic attacks at work since the divorce"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def ics_of(message) -> icalendar.Calendar:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def assert_no_phi(message, therapist):
    raw = message.as_string()
    for secret in (NOTE, "Panic", therapist.display_name, "Rivera", "LCSW", "PhD", "anxiety", "specialt"):
        assert secret not in raw


def test_booking_email_reaches_both_people_with_zone_link_and_ics(inbox, practice, ready_client):
    appointment = book(ready_client, practice, note=NOTE)
    run_worker()
    assert sorted(m["To"] for m in inbox.messages) == sorted([ready_client.email, practice.email])
    to_client = next(m for m in inbox.messages if m["To"] == ready_client.email)
    body = text_of(to_client)
    local = appointment.start_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%H:%M} (America/New York)" in body
    assert f"/appointments/{appointment.pk}/" in body
    assert to_client["Subject"] == "Your Confide appointment is booked"
    event = next(iter(ics_of(to_client).walk("VEVENT")))
    assert event.decoded("dtstart") == appointment.start_at
    assert str(event["summary"]) == "Confide appointment" and str(event["status"]) == "CONFIRMED"
    for message in inbox.messages:
        assert_no_phi(message, practice)


def test_cancel_sends_a_cancel_ics_and_no_reason(inbox, practice, ready_client):
    appointment = book(ready_client, practice, note=NOTE)
    booking.cancel_appointment(RequestContext(user=ready_client), appointment, reason="Panic got worse")
    run_worker()
    subjects = sorted(m["Subject"] for m in inbox.messages if m["To"] == ready_client.email)
    # The booking notice was superseded (sequence moved on) before the worker ran: only the cancellation goes out.
    assert subjects == ["Your Confide appointment was cancelled"]
    calendar = ics_of(next(m for m in inbox.messages if m["To"] == ready_client.email))
    assert str(calendar["method"]) == "CANCEL"
    assert str(next(iter(calendar.walk("VEVENT")))["status"]) == "CANCELLED"
    for message in inbox.messages:
        assert_no_phi(message, practice)


def test_reminders_run_once_and_only_for_the_current_time(inbox, practice, ready_client):
    appointment = book(ready_client, practice, note=NOTE)
    run_worker()
    inbox.messages.clear()
    reminders = DBTaskResult.objects.filter(task_path__endswith="send_reminder")
    assert reminders.count() == 2
    assert all(r.run_after > timezone.now() for r in reminders)
    reminders.update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    texts = [text_of(m) for m in inbox.messages]
    assert len(texts) == 4  # 24 h and 1 h, to the client and the therapist
    assert all("Your Confide appointment is" in t and "(America/New York)" in t for t in texts)
    assert all(f"/appointments/{appointment.pk}/" in t for t in texts)
    for message in inbox.messages:
        assert_no_phi(message, practice)
    # Retried or stale reminders send nothing more.
    from confide.scheduling.tasks import send_reminder

    inbox.messages.clear()
    send_reminder.enqueue(str(appointment.pk), "24h", appointment.start_at.isoformat())
    send_reminder.enqueue(str(appointment.pk), "1h", (appointment.start_at - timedelta(days=1)).isoformat())
    run_worker()
    assert inbox.messages == []


def test_when_text_wording():
    now = timezone.datetime(2026, 3, 2, 12, tzinfo=ZoneInfo("UTC"))
    berlin = ZoneInfo("Europe/Berlin")
    assert when_text(timezone.datetime(2026, 3, 3, 14, tzinfo=ZoneInfo("UTC")), berlin, now) == (
        "tomorrow at 15:00 (Europe/Berlin)"
    )
    assert (
        when_text(timezone.datetime(2026, 3, 2, 14, tzinfo=ZoneInfo("UTC")), berlin, now)
        == "today at 15:00 (Europe/Berlin)"
    )
    assert when_text(timezone.datetime(2026, 3, 9, 14, tzinfo=ZoneInfo("UTC")), berlin, now) == (
        "on Mon 9 Mar 2026 at 15:00 (Europe/Berlin)"
    )
