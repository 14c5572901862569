from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from confide.directory.models import LicenceType, TherapistProfile
from confide.directory.services import (
    add_licence,
    hide_profile,
    profile_for,
    update_availability_summary,
    update_profile,
)
from confide.privacy.access import AccessDenied
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_update_profile_refuses_another_therapist_and_audits_the_denial(therapist, other_therapist):
    profile = profile_for(therapist)
    with pytest.raises(Http404):
        update_profile(RequestContext(user=other_therapist), profile, fields={"headline": "hacked"}, terms={})
    profile.refresh_from_db()
    assert profile.headline == ""
    assert AuditEvent.objects.filter(action="directory.profile.update", outcome="denied").count() == 1


def test_update_profile_rejects_unknown_fields(therapist):
    profile = profile_for(therapist)
    with pytest.raises(ValidationError):
        update_profile(RequestContext(user=therapist), profile, fields={"hidden": False}, terms={})


def test_add_licence_for_someone_else_is_refused(therapist, other_therapist):
    with pytest.raises(AccessDenied):
        add_licence(
            RequestContext(user=other_therapist),
            therapist,
            licence_type=LicenceType.objects.get(slug="lcsw"),
            number="1",
            jurisdiction="US-NY",
            expires_on=date(2099, 1, 1),
        )


def test_psypact_privilege_only_on_psychologist_licences(therapist):
    with pytest.raises(ValidationError):
        add_licence(
            RequestContext(user=therapist),
            therapist,
            licence_type=LicenceType.objects.get(slug="lcsw"),
            number="1",
            jurisdiction="US-PA",
            expires_on=date(2099, 1, 1),
            psypact_privilege=True,
        )


def test_hide_profile_refuses_therapists(therapist):
    with pytest.raises(AccessDenied):
        hide_profile(RequestContext(user=therapist), profile_for(therapist), hidden=False)


def test_profile_slug_is_stable_when_the_name_changes(therapist):
    profile = profile_for(therapist)
    slug = profile.slug
    update_profile(RequestContext(user=therapist), profile, fields={"display_name": "New Name"}, terms={})
    assert TherapistProfile.objects.get(pk=profile.pk).slug == slug


def test_update_availability_summary(therapist):
    soon = timezone.now() + timedelta(days=2)
    update_availability_summary(therapist, soonest_open_at=soon, has_evening=True, has_weekend=False, open_slots_30d=7)
    profile = TherapistProfile.objects.get(user=therapist)
    assert (profile.soonest_open_at, profile.has_evening, profile.open_slots_30d) == (soon, True, 7)
    assert profile.is_open_soon() is True


def test_update_availability_summary_refuses_naive_times(therapist):
    with pytest.raises(ValidationError):
        update_availability_summary(
            therapist,
            soonest_open_at=datetime(2030, 1, 1),
            has_evening=False,
            has_weekend=False,
            open_slots_30d=1,  # noqa: DTZ001
        )


def test_profiles_are_only_for_therapists(client_user):
    with pytest.raises(ValidationError):
        profile_for(client_user)


def _declare(therapist, jurisdiction: str, expires_on: date, now: datetime):
    return add_licence(
        RequestContext(user=therapist),
        therapist,
        licence_type=LicenceType.objects.get(slug="lcsw"),
        number="A-1",
        jurisdiction=jurisdiction,
        expires_on=expires_on,
        now=now,
    )


def test_a_licence_ending_today_in_its_jurisdiction_can_be_declared_that_evening(therapist):
    from zoneinfo import ZoneInfo

    evening = datetime(2026, 12, 31, 22, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # already 1 January in UTC
    licence = _declare(therapist, "US-CA", date(2026, 12, 31), evening)
    assert licence.expires_on == date(2026, 12, 31)


def test_a_licence_that_ended_yesterday_in_its_jurisdiction_is_refused_even_if_utc_is_still_on_that_day(therapist):
    from zoneinfo import ZoneInfo

    morning = datetime(2027, 1, 1, 9, 0, tzinfo=ZoneInfo("Australia/Sydney"))  # still 31 December in UTC
    with pytest.raises(ValidationError, match="already expired"):
        _declare(therapist, "AU-NSW", date(2026, 12, 31), morning)
