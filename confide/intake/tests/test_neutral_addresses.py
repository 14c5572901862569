"""A check-in's address and tab title name no screener: they stay in browser history on a shared computer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

REVEALING = re.compile(r"cssrs|c-ssrs|columbia|suicid", re.IGNORECASE)


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1).strip()


def test_the_safety_screener_has_a_neutral_address(care, as_client):
    url = reverse("intake_measure", kwargs={"key": "cssrs"})
    assert REVEALING.search(url) is None
    assert as_client.get(url).status_code == 200


def test_the_old_screener_address_is_gone_without_a_redirect(care, as_client):
    # A redirect would keep the old address in the history too: it is simply not found.
    response = as_client.get("/intake/check-in/cssrs/")
    assert response.status_code == 404


@pytest.mark.parametrize("key", ["phq9", "gad7", "cssrs"])
def test_every_check_in_tab_title_is_neutral_while_the_page_says_what_it_asks(care, as_client, key):
    page = as_client.get(reverse("intake_measure", kwargs={"key": key})).content.decode()
    assert _title(page) == "Check-in · Confide"
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert heading != "Check-in"  # the body still names the questionnaire, e.g. "Patient Health Questionnaire"


def test_the_screener_page_still_names_its_questions_in_the_body(care, as_client):
    page = as_client.get(reverse("intake_measure", kwargs={"key": "cssrs"})).content.decode()
    assert "Columbia-Suicide Severity Rating Scale" in page
    assert REVEALING.search(_title(page)) is None


def test_links_and_redirects_to_the_screener_use_the_neutral_address(care, as_client):
    phq9 = {**{f"q{i}": "0" for i in range(1, 9)}, "q9": "1", "submit": "1"}
    response = as_client.post(reverse("intake_measure", kwargs={"key": "phq9"}), phq9)
    assert REVEALING.search(response["Location"]) is None
    home = as_client.get(reverse("intake_home")).content.decode()
    assert reverse("intake_measure", kwargs={"key": "cssrs"}) in home
    assert "/cssrs/" not in home


@pytest.mark.parametrize("slug", ["bdi", "CSSRS", "wellbeing2", "phq9x"])
def test_unknown_check_in_addresses_are_not_found(care, as_client, slug):
    assert as_client.get(f"/intake/check-in/{slug}/").status_code == 404
