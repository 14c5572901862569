"""Dates far outside any calendar a practice keeps (0001-01-01, 9999-12-31) get a sentence, never a 500.

Found by an exploratory test: stepping a day or a time zone past either end of Python's calendar raised
``OverflowError`` inside slot and week arithmetic on every page and API call that takes a date.
"""

import pytest
from django.urls import reverse

from confide.scheduling.bounds import OUT_OF_RANGE
from confide.scheduling.models import AvailabilityException
from confide.scheduling.tests.conftest import type_of

pytestmark = pytest.mark.django_db

FAR_INSTANTS = ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00-14:00", "1899-12-31T12:00:00+00:00"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_booking_page_from_a_far_date_is_a_400_with_a_sentence(as_client, ready_client, practice, day):
    response = as_client.get(reverse("book_with_therapist", args=[practice.pk]), {"from": day})
    assert response.status_code == 400
    assert OUT_OF_RANGE in response.content.decode()


@pytest.mark.parametrize("start", FAR_INSTANTS)
def test_confirm_page_for_a_far_instant_is_a_400_with_a_sentence(as_client, ready_client, practice, start):
    query = {"type": type_of(practice).pk, "start": start, "modality": "video"}
    response = as_client.get(reverse("book_confirm", args=[practice.pk]), query)
    assert response.status_code == 400
    assert OUT_OF_RANGE in response.content.decode()


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_therapist_week_of_a_far_date_is_a_400_with_a_sentence(as_therapist, practice, week):
    response = as_therapist.get(reverse("schedule_week"), {"week": week})
    assert response.status_code == 400
    assert OUT_OF_RANGE in response.content.decode()


def test_time_off_until_a_far_date_is_a_form_error_and_nothing_is_saved(as_therapist, practice):
    form = {"kind": "time_off", "start": "2030-01-01T09:00", "end": "9999-12-31T23:59", "label": ""}
    response = as_therapist.post(reverse("schedule_time_off"), form)
    assert response.status_code == 400  # the form again, with the error on "Until"
    assert OUT_OF_RANGE in response.content.decode()
    assert not AvailabilityException.objects.filter(therapist=practice).exists()


@pytest.mark.parametrize("start", FAR_INSTANTS)
def test_api_slots_from_a_far_instant_is_a_422_in_json(as_client, ready_client, practice, start):
    response = as_client.get(
        f"/api/scheduling/therapists/{practice.pk}/slots", {"appointment_type_id": type_of(practice).pk, "start": start}
    )
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.json()["detail"]


def test_api_booking_at_a_far_instant_is_a_422_and_books_nothing(as_client, ready_client, practice):
    from confide.scheduling.models import Appointment

    body = {
        "therapist_id": str(practice.pk),
        "appointment_type_id": str(type_of(practice).pk),
        "start": "9999-12-31T23:59:00-14:00",
    }
    response = as_client.post("/api/scheduling/appointments", body, content_type="application/json")
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.json()["detail"]
    assert not Appointment.objects.exists()
