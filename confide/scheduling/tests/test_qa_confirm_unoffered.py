"""The confirm page never offers a way of meeting the therapist has stopped offering.

A confirm link names the way of meeting (``modality=video``) and lives on in the browser's
history and back button. After the therapist turns video off in the booking rules, opening
such a link used to show "How: Video" with a "Book this time" button, and only the click was
refused. The page now sends the client back to the therapist's booking page with the reason.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from confide.scheduling.models import Appointment, SchedulingPolicy
from confide.scheduling.tests.conftest import open_slots, type_of

pytestmark = pytest.mark.django_db


def confirm_url(therapist, slot, modality: str) -> str:
    return (
        f"{reverse('book_confirm', args=[therapist.pk])}?type={type_of(therapist).pk}&modality={modality}"
        f"&start={slot.start.isoformat().replace('+', '%2B')}"
    )


def test_confirm_link_for_a_way_of_meeting_turned_off_goes_back_to_booking(as_client, practice, ready_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    SchedulingPolicy.objects.filter(therapist=practice).update(offers_video=False)
    response = as_client.get(confirm_url(practice, slot, "video"), follow=True)
    page = response.content.decode()
    assert (
        response.redirect_chain[0][0]
        == f"{reverse('book_with_therapist', args=[practice.pk])}?type={type_of(practice).pk}"
    )
    assert "Video is not available: This therapist does not offer it." in page
    assert "Book this time" not in page
    assert Appointment.objects.count() == 0


def test_confirm_link_for_a_way_of_meeting_still_offered_shows_the_booking(as_client, practice, ready_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    SchedulingPolicy.objects.filter(therapist=practice).update(offers_video=False)
    response = as_client.get(confirm_url(practice, slot, "audio"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Audio call" in page and "Book this time" in page
