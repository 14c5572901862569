"""The ended visit's segment table is reachable by keyboard when it scrolls sideways.

At phone width every table becomes its own horizontal scroll box (confide.css); the segment
table is wider than a 390 px screen and holds no link or button, so without a tab stop a
keyboard user could never scroll to its last columns (axe: scrollable-region-focusable, serious).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from confide.privacy.audit import RequestContext
from confide.telehealth.services import lifecycle, live

pytestmark = pytest.mark.django_db

VIDEO = {"connected": True, "audio": True, "video": True}


@pytest.fixture
def ended(appointment):
    """A short visit: admitted, connected, started, ended — enough for one segment row."""
    t0 = timezone.now().replace(microsecond=0) + timedelta(minutes=5)
    client, therapist = RequestContext(user=appointment.client), RequestContext(user=appointment.therapist)
    visit = lifecycle.admit_client(therapist, lifecycle.open_visit(therapist, appointment), now=t0)
    live.report_media(client, visit, VIDEO, now=t0 + timedelta(seconds=5))
    live.report_media(therapist, visit, VIDEO, now=t0 + timedelta(seconds=6))
    lifecycle.start_visit(
        therapist, visit, jurisdiction="US-NY", emergency_contact_confirmed=True, now=t0 + timedelta(minutes=1)
    )
    return lifecycle.end_visit(therapist, visit, now=t0 + timedelta(minutes=30))


def _segment_table_tag(page: str) -> str:
    match = re.search(r"<table[^>]*class=\"segments\"[^>]*>", page)
    assert match, "the ended visit's page shows its segment table"
    return match.group(0)


@pytest.mark.parametrize("viewer", ["as_client", "as_therapist"])
def test_segment_table_takes_keyboard_focus_for_each_participant(request, ended, viewer):
    response = request.getfixturevalue(viewer).get(reverse("visit_room", args=[ended.appointment.pk]))
    assert response.status_code == 200
    assert 'tabindex="0"' in _segment_table_tag(response.content.decode())
