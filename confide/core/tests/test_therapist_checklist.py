"""The therapist's set-up checklist says what is done and stops asking for it."""

from datetime import time

import pytest

from confide.directory.models import Licence, LicenceType

pytestmark = pytest.mark.django_db


def checklist(http) -> str:
    page = http.get("/dashboard/").content.decode()
    return page.split('id="setup-title"', 1)[1].split("</section>", 1)[0]


def add_licence(therapist, status: str) -> None:
    kind, _ = LicenceType.objects.get_or_create(slug="lpc", defaults={"name": "Licensed Professional Counselor"})
    Licence.objects.create(
        therapist=therapist,
        licence_type=kind,
        number="L-1",
        jurisdiction="US-NY",
        expires_on="2040-01-01",
        status=status,
    )


def test_a_new_therapist_is_asked_for_licences_and_hours(as_therapist):
    shown = checklist(as_therapist)
    assert "To do:" in shown and "add your licences" in shown and "weekly hours" in shown


def test_a_pending_licence_is_waiting_and_a_verified_one_is_done(as_therapist, therapist):
    add_licence(therapist, "pending")
    assert "Waiting: your licences are with our staff" in checklist(as_therapist)
    Licence.objects.update(status="verified")
    assert "Done: a verified licence" in checklist(as_therapist)


def test_hours_and_types_set_are_done(as_therapist, therapist):
    from confide.scheduling.tests.conftest import open_practice

    open_practice(therapist, start=time(9), end=time(17))
    shown = checklist(as_therapist)
    assert "Done: " in shown and "your hours and appointment types" in shown
    assert "weekly hours" not in shown
