"""Small builders for directory tests (people come from the shared persona fixtures)."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

import pytest
from django.utils import timezone

from confide.directory.models import Licence, LicenceType, TherapistProfile
from confide.directory.services import profile_for

FAR = date(2099, 1, 1)


@pytest.fixture(autouse=True)
def _taxonomies(request):
    """Transactional tests (browser, other apps) flush the tables the data migration seeded; restore them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    from confide.directory.models import Specialty

    if not Specialty.objects.exists():
        importlib.import_module("confide.directory.migrations.0002_taxonomies_and_psypact").seed(apps, None)


def add_licence(therapist, code: str, *, kind: str = "lcsw", status: str = "verified", expires=FAR, psypact=False):
    return Licence.objects.create(
        therapist=therapist,
        licence_type=LicenceType.objects.get(slug=kind),
        number="L-1",
        jurisdiction=code,
        expires_on=expires,
        status=status,
        psypact_privilege=psypact,
    )


TAXONOMIES = ("specialties", "approaches", "populations", "competencies", "languages", "insurance")
POLICY_FLAGS = {
    "video": "offers_video",
    "audio": "offers_audio",
    "chat": "offers_chat",
    "in-person": "offers_in_person",
}


def offer_sessions(therapist, slugs) -> None:
    """Say in the booking rules (the scheduling policy) which session types the therapist offers —
    the only place they are set; the directory lists exactly those, plus messaging."""
    from confide.scheduling.models import SchedulingPolicy

    unknown = set(slugs) - set(POLICY_FLAGS)
    if unknown:
        raise ValueError(f"Not a bookable session type: {sorted(unknown)} (messaging is always listed).")
    values: dict = {flag: slug in slugs for slug, flag in POLICY_FLAGS.items()}
    values["office_address"] = "1 Test Street" if "in-person" in slugs else ""
    SchedulingPolicy.objects.update_or_create(therapist=therapist, defaults=values)


def listed(therapist, *, code: str = "US-NY", open_in_days: float | None = 2, **fields) -> TherapistProfile:
    """A profile licensed in ``code``, open ``open_in_days`` from now (None = nothing open).

    ``modalities=[...]`` sets the booking rules (``offer_sessions``), not the profile.
    """
    profile = profile_for(therapist)
    for name, value in fields.items():
        if name not in (*TAXONOMIES, "modalities"):
            setattr(profile, name, value)
    if open_in_days is not None:
        profile.soonest_open_at = timezone.now() + timedelta(days=open_in_days)
        profile.open_slots_30d = 5
    profile.save()
    for name in TAXONOMIES:
        if name in fields:
            model = getattr(TherapistProfile, name).field.related_model
            getattr(profile, name).set(model.objects.filter(slug__in=fields[name]))
    if "modalities" in fields:
        offer_sessions(therapist, fields["modalities"])
    if code:
        add_licence(therapist, code)
    return profile


@pytest.fixture
def make_therapist(db):
    from confide.core.testing.fixtures import make_user

    counter = iter(range(1000))

    def build(name: str, **fields):
        user = make_user(
            f"t{next(counter)}-{name.lower().replace(' ', '')}@example.test", "therapist", name=name, mfa=False
        )
        return listed(user, **fields)

    return build
