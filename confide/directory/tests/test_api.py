import re

import pytest

from confide.privacy.models import AuditEvent

from .conftest import add_licence, listed

pytestmark = pytest.mark.django_db


def test_api_search_returns_cards(as_client, make_therapist):
    make_therapist("Nina Open", specialties=["anxiety"], languages=["es"])
    make_therapist("Ghost", open_in_days=None)
    body = as_client.get("/api/directory/therapists?jurisdiction=US-NY&specialty=anxiety").json()
    assert (body["total"], body["unavailable_hidden"], body["pages"]) == (1, 0, 1)
    assert [r["display_name"] for r in body["results"]] == ["Nina Open"]
    assert body["results"][0]["specialties"] == ["anxiety"]
    assert body["results"][0]["open_in_next_30_days"] is True


def test_api_search_counts_hidden_ghosts(as_client, make_therapist):
    make_therapist("Ghost", open_in_days=None)
    body = as_client.get("/api/directory/therapists?jurisdiction=US-NY").json()
    assert (body["total"], body["unavailable_hidden"]) == (0, 1)
    everyone = as_client.get("/api/directory/therapists?jurisdiction=US-NY&include_unavailable=1").json()
    assert [r["display_name"] for r in everyone["results"]] == ["Ghost"]


@pytest.mark.parametrize(
    "query",
    [
        "jurisdiction=US-NY&specialty=astrology",
        "jurisdiction=US-NY&bogus=1",
        "jurisdiction=US-NY&page=1000000",
        "jurisdiction=US-NY&page=abc",
        "jurisdiction=Narnia",
        "",
        "jurisdiction=US-NY&q=" + "x" * 10_000,
        "jurisdiction=US-NY&q=%00",
    ],
)
def test_api_search_bad_input_is_422_with_detail(as_client, query):
    response = as_client.get(f"/api/directory/therapists?{query}")
    assert response.status_code == 422
    assert response.json()["detail"]


def test_api_search_requires_authentication(client):
    assert client.get("/api/directory/therapists?jurisdiction=US-NY").status_code == 401


def test_api_profile_hidden_is_404(as_client, as_staff, therapist):
    profile = listed(therapist)
    assert as_client.get(f"/api/directory/therapists/{profile.slug}").status_code == 200
    profile.hidden = True
    profile.save()
    assert as_client.get(f"/api/directory/therapists/{profile.slug}").status_code == 404
    assert as_staff.get(f"/api/directory/therapists/{profile.slug}").status_code == 200


def test_api_licence_review_staff_only(as_client, as_therapist, as_other_therapist, as_staff, therapist):
    licence = add_licence(therapist, "US-NY", status="pending")
    url = f"/api/directory/licences/{licence.pk}/review"
    for http in (as_client, as_therapist, as_other_therapist):
        assert http.get("/api/directory/licences/pending").status_code == 403
        assert http.post(url, {"verify": True}, content_type="application/json").status_code == 403
    assert [r["id"] for r in as_staff.get("/api/directory/licences/pending").json()] == [str(licence.pk)]
    response = as_staff.post(url, {"verify": True}, content_type="application/json")
    assert (response.status_code, response.json()["status"]) == (200, "verified")
    assert AuditEvent.objects.filter(action="directory.licence.verified").count() == 1


def test_api_licence_review_reject_needs_note(as_staff, therapist):
    licence = add_licence(therapist, "US-NY", status="pending")
    response = as_staff.post(
        f"/api/directory/licences/{licence.pk}/review", {"verify": False}, content_type="application/json"
    )
    assert response.status_code == 422


def test_api_matching_for_clients(as_client, make_therapist):
    make_therapist("Dr Ana", specialties=["trauma-ptsd"], languages=["es"], has_evening=True)
    make_therapist("Dr Ben")
    response = as_client.post(
        "/api/directory/matching",
        {"jurisdiction": "US-NY", "concerns": ["trauma-ptsd"], "language": "es", "times": ["evenings"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert [m["therapist"]["display_name"] for m in body] == ["Dr Ana", "Dr Ben"]
    assert body[0]["reasons"][1:] == ["Specialises in Trauma & PTSD", "Speaks Spanish", "Evening availability"]
    assert as_client.get("/api/directory/matching").json() == body


def test_api_matching_bad_answers_are_422(as_client):
    response = as_client.post(
        "/api/directory/matching", {"jurisdiction": "US-NY", "concerns": ["astrology"]}, content_type="application/json"
    )
    assert response.status_code == 422
    response = as_client.post(
        "/api/directory/matching", {"jurisdiction": "US-NY", "extra": 1}, content_type="application/json"
    )
    assert response.status_code == 422


def test_api_matching_refuses_therapists_and_staff(as_therapist, as_staff):
    for http in (as_therapist, as_staff):
        response = http.post("/api/directory/matching", {"jurisdiction": "US-NY"}, content_type="application/json")
        assert response.status_code == 403
        assert http.get("/api/directory/matching").status_code == 403


def test_match_pages_for_clients(as_client, make_therapist):
    make_therapist("Dr Ana", specialties=["trauma-ptsd"])
    assert as_client.get("/therapists/match/results/").status_code == 302
    assert as_client.get("/therapists/match/").status_code == 200
    response = as_client.post("/therapists/match/", {"jurisdiction": "US-NY", "concerns": ["trauma-ptsd"]})
    assert response.status_code == 302
    body = as_client.get("/therapists/match/results/").content.decode()
    assert "Specialises in Trauma &amp; PTSD" in body
    form = as_client.get("/therapists/match/").content.decode()
    assert re.search(r'value="trauma-ptsd"[^>]*checked', form)


def test_match_form_bad_input_is_400(as_client):
    response = as_client.post("/therapists/match/", {"jurisdiction": "Narnia"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/therapists/match/", "/therapists/match/results/"])
def test_match_pages_refuse_therapists_and_staff(as_therapist, as_staff, url):
    for http in (as_therapist, as_staff):
        assert http.get(url).status_code == 403
