"""The directory's availability summary, the refresh command, and idempotent demo data."""

from datetime import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from confide.directory.services import profile_for
from confide.scheduling import summary
from confide.scheduling.models import Appointment, WeeklyHours
from confide.scheduling.tests.conftest import book, open_practice

pytestmark = pytest.mark.django_db


def test_summary_reaches_the_directory(practice, ready_client):
    book(ready_client, practice)
    result = summary.publish(practice)
    profile = profile_for(practice)
    profile.refresh_from_db()
    assert profile.open_slots_30d == result.open_slots_30d > 0
    assert profile.soonest_open_at == result.soonest_open_at
    assert profile.has_evening is True and profile.has_weekend is True  # hours 08–20 every day


def test_summary_of_weekday_daytime_only(other_therapist):
    open_practice(other_therapist, days=range(5), start=time(9), end=time(12))
    result = summary.compute(other_therapist)
    assert result.has_evening is False and result.has_weekend is False and result.open_slots_30d > 0


def test_summary_without_types_is_empty(therapist):
    assert summary.compute(therapist) == summary.Summary(None, False, False, 0)


def test_refresh_command_covers_every_therapist(practice, other_therapist):
    call_command("refresh_availability", "--schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    profile = profile_for(practice)
    profile.refresh_from_db()
    assert profile.availability_updated_at is not None and profile.open_slots_30d > 0
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="refresh_all_availability_summaries").count() == 1
    call_command("refresh_availability", "--schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DBTaskResult.objects.filter(task_path__endswith="refresh_all_availability_summaries").count() == 1


def test_demo_is_idempotent():
    from confide.core.demo import create_demo

    people = create_demo()
    hours, appointments = WeeklyHours.objects.count(), Appointment.objects.count()
    create_demo()
    assert WeeklyHours.objects.count() == hours > 0
    assert Appointment.objects.count() == appointments
    assert all(profile_for(t).availability_updated_at is not None for t in people.therapists)
    assert Appointment.objects.filter(start_at__gt=timezone.now()).count() == appointments
