"""The alerts page and event page: times in the viewer's zone (named), one line per event in "Your alerts"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from confide.core.testing.fixtures import logged_in
from confide.privacy.audit import RequestContext
from confide.safety import escalation
from confide.safety.models import Alert, Level, SafetyEvent, Source

# 23:30 UTC on 14 January is 18:30 in New York and 00:30 on 15 January in Berlin.
RAISED = datetime(2031, 1, 14, 23, 30, tzinfo=UTC)


def raise_at(client_user, when=RAISED, level=Level.HIGH, source_ref="") -> SafetyEvent:
    event = escalation.escalate(
        RequestContext(user=client_user),
        client_user,
        source=Source.PHQ9_ITEM9,
        level=level,
        reasons=["r"],
        source_ref=source_ref,
    )
    SafetyEvent.objects.filter(pk=event.pk).update(created_at=when)
    Alert.objects.filter(event=event).update(created_at=when)
    return event


@pytest.mark.django_db
def test_alerts_page_shows_times_in_the_therapists_zone_named(care, therapist, client_user):
    raise_at(client_user)  # the therapist persona lives in New York
    page = logged_in(therapist).get(reverse("safety_alerts")).content.decode()
    assert "Tue 14 Jan 2031, 18:30 (America/New York)" in page
    assert "23:30" not in page


@pytest.mark.django_db
def test_alerts_page_shows_times_in_the_staff_members_zone(client_user, staff):
    staff.time_zone = "Europe/Berlin"
    staff.save()
    raise_at(client_user)
    page = logged_in(staff).get(reverse("safety_alerts")).content.decode()
    assert "Wed 15 Jan 2031, 00:30 (Europe/Berlin)" in page
    assert "23:30" not in page


@pytest.mark.django_db
def test_event_page_shows_raised_and_closed_times_in_the_viewers_zone(care, therapist, client_user):
    event = raise_at(client_user)
    escalation.close_safety_event(RequestContext(user=therapist), event, "Called the client, all safe now.")
    SafetyEvent.objects.filter(pk=event.pk).update(closed_at=datetime(2031, 1, 15, 9, 5, tzinfo=UTC))
    page = logged_in(therapist).get(reverse("safety_event", kwargs={"event_id": event.pk})).content.decode()
    assert "Tue 14 Jan 2031, 18:30 (America/New York)" in page
    assert "Wed 15 Jan 2031, 04:05 (America/New York)" in page


@pytest.mark.django_db
def test_your_alerts_lists_an_event_once_after_its_level_rose(care, therapist, client_user):
    event = raise_at(client_user, level=Level.MODERATE, source_ref="phq9:1")
    escalation.escalate(
        RequestContext(user=client_user),
        client_user,
        source=Source.CSSRS,
        level=Level.HIGH,
        reasons=["C-SSRS high"],
        source_ref="phq9:1",
    )
    assert Alert.objects.filter(event=event, recipient=therapist).count() == 2  # history keeps both
    page = logged_in(therapist).get(reverse("safety_alerts")).content.decode()
    alerts_section = page.split('id="alerts-title"')[1]
    assert alerts_section.count(reverse("safety_event", kwargs={"event_id": event.pk})) == 1
    assert alerts_section.count("<strong>new</strong>") == 1
    assert ">1<" in logged_in(therapist).get(reverse("safety_alert_badge")).content.decode()


@pytest.mark.django_db
def test_your_alerts_shows_each_event_once_newest_first(care, therapist, client_user):
    older = raise_at(client_user, when=datetime(2031, 1, 10, 12, tzinfo=UTC), source_ref="a")
    newer = raise_at(client_user, when=datetime(2031, 1, 12, 12, tzinfo=UTC), source_ref="b")
    rows = escalation.alerts_for(therapist)
    assert [row.event.pk for row in rows] == [newer.pk, older.pk]
    assert [row.unread for row in rows] == [True, True]
