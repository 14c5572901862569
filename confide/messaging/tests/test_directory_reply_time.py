"""The reply time a therapist sets for messaging is the one the directory shows: one setting, every page agrees."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from confide.directory.models import DEFAULT_REPLY_HOURS, TherapistProfile
from confide.directory.tests.conftest import listed
from confide.messaging.models import TherapistMessagingSettings
from confide.messaging.services.reply_settings import reply_settings_for, update_reply_settings
from confide.privacy.access import AccessDenied
from confide.privacy.models import AuditEvent

from .conftest import ctx

pytestmark = pytest.mark.django_db

SETTINGS = {"work_days": ["0", "1", "2"], "work_start": "09:00", "work_end": "17:00", "auto_reply_enabled": "on"}


def promised_hours(http, profile: TherapistProfile) -> dict:
    """The reply time on the search card (page and API) and on the public profile."""
    card = http.get("/therapists/?jurisdiction=US-NY").content.decode()
    [api_card] = http.get("/api/directory/therapists?jurisdiction=US-NY").json()["results"]
    page = http.get(f"/therapists/{profile.slug}/").content.decode()
    return {
        "card": [int(h) for h in re.findall(r"<dt>Replies</dt><dd>Usually within (\d+) hour", card)],
        "api": api_card["response_time_hours"],
        "profile": [int(h) for h in re.findall(r"replies to messages within (\d+) hour", page)],
    }


def everywhere(hours: int) -> dict:
    return {"card": [hours], "api": hours, "profile": [hours]}


def test_the_settings_page_sets_the_reply_time_the_directory_shows(as_client, as_therapist, therapist):
    profile = listed(therapist)
    assert promised_hours(as_client, profile) == everywhere(DEFAULT_REPLY_HOURS)
    response = as_therapist.post(reverse("messaging_settings"), {"reply_within_hours": 48, **SETTINGS})
    assert response.status_code == 302
    assert promised_hours(as_client, profile) == everywhere(48)
    assert reply_settings_for(therapist).reply_within_hours == 48  # what the automatic reply promises


def test_a_refused_reply_time_changes_nothing_anywhere(as_client, as_therapist, therapist):
    profile = listed(therapist)
    response = as_therapist.post(reverse("messaging_settings"), {"reply_within_hours": 500, **SETTINGS})
    assert response.status_code == 400
    assert promised_hours(as_client, profile) == everywhere(DEFAULT_REPLY_HOURS)


def test_every_way_of_writing_the_settings_reaches_the_directory(as_client, therapist):
    profile = listed(therapist)
    update_reply_settings(ctx(therapist), therapist, reply_within_hours=6)  # the service
    assert promised_hours(as_client, profile) == everywhere(6)
    TherapistMessagingSettings.objects.filter(therapist=therapist).update(reply_within_hours=12)  # bulk UPDATE
    assert promised_hours(as_client, profile) == everywhere(12)
    TherapistMessagingSettings.objects.get(therapist=therapist).delete()  # back to the default promise
    assert promised_hours(as_client, profile) == everywhere(DEFAULT_REPLY_HOURS)


def test_settings_saved_before_the_profile_exists_are_shown_when_it_is_created(as_client, therapist):
    TherapistMessagingSettings.objects.create(therapist=therapist, reply_within_hours=3)
    profile = listed(therapist)
    assert profile.response_time_hours == 3
    assert promised_hours(as_client, profile) == everywhere(3)


def test_the_directorys_default_is_the_messaging_default():
    assert TherapistMessagingSettings().reply_within_hours == DEFAULT_REPLY_HOURS


# ---- who may change the reply time ----------------------------------------------------------------


def test_clients_and_staff_cannot_open_or_post_the_messaging_settings(as_client, as_staff, therapist):
    profile = listed(therapist)
    for http in (as_client, as_staff):
        assert http.get(reverse("messaging_settings")).status_code == 403
        assert http.post(reverse("messaging_settings"), {"reply_within_hours": 1, **SETTINGS}).status_code == 403
    assert TherapistProfile.objects.get(pk=profile.pk).response_time_hours == DEFAULT_REPLY_HOURS


def test_another_therapist_only_ever_changes_their_own_reply_time(as_other_therapist, other_therapist, therapist):
    mine, theirs = listed(therapist), listed(other_therapist)
    response = as_other_therapist.post(reverse("messaging_settings"), {"reply_within_hours": 2, **SETTINGS})
    assert response.status_code == 302
    hours = dict(TherapistProfile.objects.values_list("pk", "response_time_hours"))
    assert (hours[mine.pk], hours[theirs.pk]) == (DEFAULT_REPLY_HOURS, 2)
    with pytest.raises(AccessDenied):
        update_reply_settings(ctx(other_therapist), therapist, reply_within_hours=1)
    assert TherapistProfile.objects.get(pk=mine.pk).response_time_hours == DEFAULT_REPLY_HOURS
    assert AuditEvent.objects.filter(action="messaging_settings.update", outcome="denied").count() == 1


def test_a_client_cannot_set_a_therapists_reply_time_through_the_service(client_user, therapist):
    listed(therapist)
    with pytest.raises(AccessDenied):
        update_reply_settings(ctx(client_user), therapist, reply_within_hours=1)
    assert not TherapistMessagingSettings.objects.filter(therapist=therapist).exists()


def test_the_service_refuses_a_reply_time_out_of_range(therapist):
    profile = listed(therapist)
    with pytest.raises(ValidationError):
        update_reply_settings(ctx(therapist), therapist, reply_within_hours=169)
    assert TherapistProfile.objects.get(pk=profile.pk).response_time_hours == DEFAULT_REPLY_HOURS


# ---- the migration that brought existing rows into agreement ----------------------------------


def test_migration_makes_every_profile_show_the_promised_reply_time(therapist, other_therapist):
    with_settings, without_settings = listed(therapist), listed(other_therapist)
    TherapistMessagingSettings.objects.create(therapist=therapist, reply_within_hours=8)
    # The old state: each profile typed its own reply time (an UPDATE sends no signals).
    TherapistProfile.objects.filter(pk=with_settings.pk).update(response_time_hours=2)
    TherapistProfile.objects.filter(pk=without_settings.pk).update(response_time_hours=300)

    migration = importlib.import_module("confide.messaging.migrations.0002_directory_shows_reply_time")
    migration.forward(apps, None)

    hours = dict(TherapistProfile.objects.values_list("pk", "response_time_hours"))
    assert (hours[with_settings.pk], hours[without_settings.pk]) == (8, DEFAULT_REPLY_HOURS)
