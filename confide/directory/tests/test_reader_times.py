"""Directory pages show opening times in the reader's zone and say which; names carry credentials once."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format

from confide.accounts.models import Role
from confide.core.testing.fixtures import logged_in, make_user
from confide.directory.models import TherapistProfile

from .conftest import listed

pytestmark = pytest.mark.django_db

OPENING = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


def shown(zone: str, fmt: str) -> str:
    return f"{date_format(OPENING.astimezone(ZoneInfo(zone)), fmt)} ({zone.replace('_', ' ')})"


def open_at(profile: TherapistProfile) -> TherapistProfile:
    TherapistProfile.objects.filter(pk=profile.pk).update(soonest_open_at=OPENING)
    return profile


def test_an_anonymous_search_shows_openings_in_the_searched_places_zone(client, therapist):
    open_at(listed(therapist, code="US-NY"))
    page = client.get("/therapists/?jurisdiction=US-NY&include_unavailable=1").content.decode()
    assert shown("America/New_York", "D j M, H:i") in page
    assert " UTC" not in page.split('class="result-list"', 1)[-1].split("</ol>", 1)[0]


def test_a_signed_in_client_reads_openings_in_their_own_zone(therapist):
    profile = open_at(listed(therapist, code="US-NY"))
    berlin = make_user("bea@example.test", Role.CLIENT, jurisdiction="US-NY", time_zone="Europe/Berlin")
    page = logged_in(berlin).get(f"/therapists/{profile.slug}/").content.decode()
    assert shown("Europe/Berlin", "l j F, H:i") in page


def test_credentials_already_in_the_name_are_not_repeated(therapist):
    profile = listed(therapist, display_name="Chloe Nguyen, LMFT", credentials="LMFT")
    assert profile.name_with_credentials == "Chloe Nguyen, LMFT"
    profile.display_name = "Chloe Nguyen"
    assert profile.name_with_credentials == "Chloe Nguyen, LMFT"
    profile.credentials = ""
    assert profile.name_with_credentials == "Chloe Nguyen"


def test_a_place_with_nobody_listed_says_so_instead_of_blaming_filters(client):
    page = client.get("/therapists/?jurisdiction=US-WY").content.decode()
    assert "No therapist licensed in Wyoming, United States is listed yet." in page
    assert "Try removing one" not in page
