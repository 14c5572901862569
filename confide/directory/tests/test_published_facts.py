"""Session types and reply time are shown by the profile but set elsewhere: the profile cannot contradict booking.

A therapist can no longer type them into the profile (form, service or API): a post that still carries
them is refused with a sentence saying where they are set, and the profile pages link there.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from confide.directory.models import DEFAULT_REPLY_HOURS, SearchEntry, TherapistProfile
from confide.directory.search import parse_filters, search
from confide.directory.services import profile_for, set_reply_time, update_profile
from confide.privacy.audit import RequestContext

from .conftest import listed, offer_sessions

pytestmark = pytest.mark.django_db


def profile_post(**changes) -> dict:
    return {
        "display_name": "Dr Tess R.",
        "headline": "Calm help for anxiety",
        "years_in_practice": 5,
        "fee": 140,
        "currency": "USD",
        "accepting_new_clients": "on",
        **changes,
    }


def listed_slugs(profile: TherapistProfile) -> list[str]:
    return sorted(profile.modalities.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("stale", "where"),
    [
        ({"modalities": ["1"]}, "booking rules"),
        ({"response_time_hours": "2"}, "messaging settings"),
    ],
)
def test_the_profile_form_refuses_session_types_and_reply_time_and_says_where_they_are_set(
    as_therapist, therapist, stale, where
):
    before = listed(therapist)
    response = as_therapist.post("/therapists/me/", profile_post(**stale))
    assert response.status_code == 400
    assert where in response.content.decode()
    after = TherapistProfile.objects.get(pk=before.pk)
    assert (after.display_name, after.response_time_hours, listed_slugs(after)) == (
        before.display_name,
        DEFAULT_REPLY_HOURS,
        ["audio", "chat", "messaging", "video"],
    )


def test_the_profile_form_saves_without_them(as_therapist, therapist):
    profile = listed(therapist, modalities=["video"])
    assert as_therapist.post("/therapists/me/", profile_post()).status_code == 302
    profile.refresh_from_db()
    assert (profile.display_name, listed_slugs(profile)) == ("Dr Tess R.", ["messaging", "video"])


def test_the_form_and_the_admin_have_no_input_for_them():
    every_editable = modelform_factory(TherapistProfile, fields="__all__")().fields
    assert {"modalities", "response_time_hours"} & set(every_editable) == set()


@pytest.mark.parametrize(
    ("fields", "terms", "where"),
    [({"response_time_hours": 2}, {}, "messaging settings"), ({}, {"modalities": []}, "booking rules")],
)
def test_the_service_refuses_them_with_where_they_are_set(therapist, fields, terms, where):
    profile = listed(therapist)
    with pytest.raises(ValidationError) as refused:
        update_profile(RequestContext(user=therapist), profile, fields=fields, terms=terms)
    [(_, [message])] = refused.value.message_dict.items()
    assert where in message
    profile.refresh_from_db()
    assert (profile.response_time_hours, listed_slugs(profile)) == (24, ["audio", "chat", "messaging", "video"])


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_the_api_has_no_way_to_write_a_profile(as_therapist, therapist, method):
    profile = listed(therapist)
    body = {"response_time_hours": 1, "modalities": ["in-person"]}
    response = getattr(as_therapist, method)(
        f"/api/directory/therapists/{profile.slug}", body, content_type="application/json"
    )
    assert response.status_code == 405
    assert (TherapistProfile.objects.get(pk=profile.pk).response_time_hours, listed_slugs(profile)) == (
        24,
        ["audio", "chat", "messaging", "video"],
    )


def test_no_api_request_body_can_carry_them(as_therapist):
    schemas = as_therapist.get("/api/openapi.json").json()["components"]["schemas"]
    carrying = [name for name, schema in schemas.items() if "response_time_hours" in schema.get("properties", {})]
    assert carrying == ["CardOut"]  # the read-only card; no input schema has it


def test_the_edit_page_shows_them_and_links_to_where_they_are_set(as_therapist, therapist):
    listed(therapist, modalities=["video", "in-person"])
    page = as_therapist.get("/therapists/me/").content.decode()
    assert "<dd>Video, Asynchronous messaging, In person (hybrid) — " in page
    assert '<a href="/schedule/settings/">change them in your booking rules</a>' in page
    assert "Usually within 24 hours — " in page
    assert '<a href="/messages/settings/">change it in your messaging settings</a>' in page
    assert 'name="response_time_hours"' not in page and 'name="modalities"' not in page


def test_the_owner_sees_where_they_are_set_on_the_public_profile(as_therapist, as_client, therapist):
    profile = listed(therapist)
    link = 'your <a href="/schedule/settings/">booking rules</a>'
    assert link in as_therapist.get(f"/therapists/{profile.slug}/").content.decode()
    assert link not in as_client.get(f"/therapists/{profile.slug}/").content.decode()


def test_the_public_where_is_shown_only_while_in_person_sessions_can_be_booked(client, therapist):
    profile = listed(therapist, in_person_address="Park Slope, Brooklyn")
    assert "in person at Park Slope" not in client.get(f"/therapists/{profile.slug}/").content.decode()
    offer_sessions(therapist, ["video", "in-person"])
    page = client.get(f"/therapists/{profile.slug}/").content.decode()
    assert "In person (hybrid) — in person at Park Slope, Brooklyn</dd>" in page


def test_saving_a_profile_loaded_earlier_keeps_the_published_reply_time(therapist):
    profile = listed(therapist)
    set_reply_time(therapist.pk, 6)  # messaging publishes a new promise while the profile is in memory
    profile.bio = "Edited later"
    profile.save()
    profile.refresh_from_db()
    assert (profile.bio, profile.response_time_hours) == ("Edited later", 6)


def test_a_new_profile_starts_with_what_booking_and_messaging_do_by_default(therapist):
    profile = profile_for(therapist)
    assert (listed_slugs(profile), profile.response_time_hours) == (["audio", "chat", "messaging", "video"], 24)


def test_seeded_therapists_list_the_defaults_and_search_agrees():
    from django.core.management import call_command

    call_command("seed_directory", therapists=25, seed=3)
    slugs = {tuple(listed_slugs(p)) for p in TherapistProfile.objects.all()}
    hours = set(TherapistProfile.objects.values_list("response_time_hours", flat=True))
    assert (slugs, hours) == ({("audio", "chat", "messaging", "video")}, {DEFAULT_REPLY_HOURS})
    assert set(SearchEntry.objects.values_list("tags_modalities", flat=True)) == {"|audio|chat|messaging|video|"}
    params = {"jurisdiction": "US-CA", "include_unavailable": "1"}
    everyone = search(parse_filters(params)).total
    assert search(parse_filters({**params, "modality": "video"})).total == everyone
    assert search(parse_filters({**params, "modality": "in-person"})).total == 0
