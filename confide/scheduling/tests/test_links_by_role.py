"""Pages link only where the reader may go (an exploratory crawl found two links that were 403 for therapists)."""

from datetime import datetime

import pytest
from django.urls import reverse

from confide.directory.services import profile_for
from confide.scheduling.tests.conftest import book

pytestmark = pytest.mark.django_db


def test_the_reschedule_page_links_a_client_to_their_zone_setting_and_a_therapist_nowhere_forbidden(
    as_client, as_therapist, ready_client, practice
):
    appointment = book(ready_client, practice)
    url = reverse("appointment_reschedule", args=[appointment.pk])
    profile_link = f'href="{reverse("profile")}"'
    assert profile_link in as_client.get(url).content.decode()
    assert profile_link not in as_therapist.get(url).content.decode()


def test_a_therapists_public_profile_offers_booking_to_visitors_but_not_to_the_therapist(
    client, as_therapist, practice
):
    profile = profile_for(practice)
    profile.accepting_new_clients = True
    profile.save()
    url = reverse("directory:profile", args=[profile.slug])
    booking = f'href="{reverse("book_with_therapist", args=[practice.pk])}"'
    assert booking in client.get(url).content.decode()
    assert booking not in as_therapist.get(url).content.decode()


@pytest.mark.parametrize("page", ["appointment_cancel", "appointment_reschedule"])
def test_a_cancelled_appointment_offers_no_cancel_form_or_times_but_says_why(as_client, ready_client, practice, page):
    from confide.scheduling.models import Status

    appointment = book(ready_client, practice)
    type(appointment).objects.filter(pk=appointment.pk).update(status=Status.CANCELLED)
    response = as_client.get(reverse(page, args=[appointment.pk]))
    body = response.content.decode()
    assert response.status_code == 409
    assert "This appointment is cancelled, so it can no longer be moved or cancelled." in body
    assert "<form" not in body.split("<main", 1)[-1]


def test_choosing_a_new_time_asks_for_confirmation_before_anything_moves(as_client, ready_client, practice):
    import re
    from urllib.parse import unquote

    appointment = book(ready_client, practice)
    url = reverse("appointment_reschedule", args=[appointment.pk])
    page = as_client.get(url).content.decode()
    choice = unquote(re.findall(r'href="\?start=([^"#]+)', page)[0])

    confirm = as_client.get(url, {"start": choice}).content.decode()
    appointment.refresh_from_db()
    assert appointment.start_at != datetime.fromisoformat(choice)  # nothing moved on the GET
    assert "Move the appointment</button>" in confirm and f'value="{choice}"' in confirm

    assert as_client.post(url, {"start": choice}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_at == datetime.fromisoformat(choice)


def test_a_confirmation_link_with_a_nonsense_time_is_a_400(as_client, ready_client, practice):
    appointment = book(ready_client, practice)
    response = as_client.get(reverse("appointment_reschedule", args=[appointment.pk]), {"start": "next tuesday"})
    assert response.status_code == 400
