"""What a therapist types on their profile is shown to clients as is: nonsense there is refused with a sentence."""

import pytest

from confide.directory.models import TherapistProfile
from confide.directory.services import profile_for

pytestmark = pytest.mark.django_db


def profile_post(**changes) -> dict:
    return {
        "display_name": "Dr Tess R.",
        "headline": "Calm help for anxiety",
        "bio": "x",
        "years_in_practice": 5,
        "fee": 140,
        "currency": "EUR",
        "accepting_new_clients": "on",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"currency": "ZZZ"}, "is not a currency code"),
        ({"currency": "12$"}, "is not a currency code"),
    ],
)
def test_nonsense_currency_is_refused_and_nothing_saved(as_therapist, therapist, changes, message):
    profile_for(therapist)
    response = as_therapist.post("/therapists/me/", profile_post(**changes))
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert TherapistProfile.objects.get(user=therapist).display_name != "Dr Tess R."


def test_a_lower_case_currency_code_is_stored_upper_case(as_therapist, therapist):
    assert as_therapist.post("/therapists/me/", profile_post(currency="gbp")).status_code == 302
    assert TherapistProfile.objects.get(user=therapist).currency == "GBP"
