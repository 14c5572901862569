"""A client's date of birth is read by their therapist as fact: a year like 2099 or 1800 is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from confide.accounts.forms import ClientProfileForm

pytestmark = pytest.mark.django_db


def form_with(born: str) -> ClientProfileForm:
    return ClientProfileForm(
        {"pseudonym": "River", "date_of_birth": born, "jurisdiction": "US-NY", "time_zone": "America/New_York"}
    )


@pytest.mark.parametrize("born", ["2099-01-01", "1800-05-05", (timezone.localdate() + timedelta(days=1)).isoformat()])
def test_a_birth_date_in_the_future_or_before_1900_is_refused(born):
    form = form_with(born)
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == ["Give a date of birth between 1900 and today."]


@pytest.mark.parametrize("born", ["1990-02-28", "1900-01-01", ""])
def test_a_plausible_or_empty_birth_date_is_accepted(born):
    form = form_with(born)
    assert form.is_valid(), form.errors
