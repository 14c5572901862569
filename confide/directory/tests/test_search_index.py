"""The denormalised search rows always say what the normalised tables say.

``search.listable`` (licences, compacts, accounts, profiles joined live) is the
reference; ``search.entries_for`` (the index) must agree with it after every
kind of write, and ``rebuild`` must reproduce exactly what the signals built.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from confide.directory import search_index
from confide.directory.models import (
    Compact,
    CompactMember,
    Licence,
    SearchEntry,
    Specialty,
    TherapistProfile,
)
from confide.directory.search import entries_for, has_term, listable, parse_filters, search
from confide.directory.seeding import seed_therapists
from confide.directory.services import update_availability_summary
from confide.directory.tests.conftest import add_licence

pytestmark = pytest.mark.django_db

PLACES = ["US-NY", "US-TX", "US-PA", "US-CA", "GB", "GB-ENG", "DE-BE", "CA-ON", "US", "FR"]


def _index(code: str, today: date) -> set:
    ids = list(entries_for(code, today).values_list("profile_id", flat=True))
    assert len(ids) == len(set(ids)), code  # never two rows of one profile on one day
    return set(ids)


def _reference(code: str, today: date) -> set:
    return set(listable(code, today).values_list("id", flat=True))


def _snapshot() -> list:
    fields = [f.name for f in SearchEntry._meta.fields if f.name != "id"]
    return sorted(SearchEntry.objects.values_list(*fields))


@pytest.fixture
def seeded():
    seed_therapists(120, seed=11)
    rng = random.Random(5)
    licences = list(Licence.objects.order_by("id"))
    for licence in rng.sample(licences, 40):  # a mix of statuses, expiries and privileges
        licence.status = rng.choice(["pending", "rejected", "verified", "expired"])
        licence.expires_on = date(2026, 1, 1) + timedelta(days=rng.randint(0, 900))
        licence.psypact_privilege = rng.random() < 0.3
        licence.save()
    for profile in rng.sample(list(TherapistProfile.objects.all()), 10):
        profile.hidden = True
        profile.save()
    return licences


@pytest.mark.parametrize(
    "today",
    [date(2026, 1, 1), date(2026, 6, 1), date(2027, 1, 15), date(2027, 6, 1), date(2028, 1, 1), date(2028, 12, 1)],
)
def test_index_agrees_with_the_normalised_tables_everywhere(seeded, today):
    for code in PLACES:
        assert _index(code, today) == _reference(code, today), code


def test_rebuild_reproduces_what_the_signals_built(seeded):
    built_by_signals = _snapshot()
    assert built_by_signals
    call_command("rebuild_search_index")
    assert _snapshot() == built_by_signals


def test_taxonomy_filters_agree_with_the_many_to_many_tables(seeded):
    today = timezone.localdate()
    for specialty in Specialty.objects.all()[:8]:
        expected = set(listable("US-NY", today).filter(specialties=specialty).values_list("id", flat=True))
        got = set(
            entries_for("US-NY", today)
            .filter(has_term("specialties", specialty.slug))
            .values_list("profile_id", flat=True)
        )
        assert got == expected, specialty.slug


def test_a_profile_under_two_keys_is_listed_once(make_therapist):
    profile = make_therapist("Dana Both", code="US-TX")
    add_licence(profile.user, "US-PA", kind="psychologist", psypact=True)
    page = search(parse_filters({"jurisdiction": "US-TX"}))
    assert [p.pk for p in page.results] == [profile.pk]
    assert page.total == 1


def test_hiding_and_deactivating_remove_rows_and_undoing_restores_them(make_therapist):
    profile = make_therapist("Hana Hidden")
    today = timezone.localdate()
    profile.hidden = True
    profile.save()
    assert _index("US-NY", today) == set()
    profile.hidden = False
    profile.save()
    assert _index("US-NY", today) == {profile.pk}
    profile.user.is_active = False
    profile.user.save()
    assert _index("US-NY", today) == set()
    profile.user.is_active = True
    profile.user.save(update_fields=["is_active"])
    assert _index("US-NY", today) == {profile.pk}


def test_licence_review_expiry_and_removal(make_therapist):
    profile = make_therapist("Lee Licence", code="")
    licence = add_licence(profile.user, "US-NY", status="pending", expires=date(2027, 3, 1))
    assert _index("US-NY", date(2026, 12, 1)) == set()
    licence.status = "verified"
    licence.save()
    assert _index("US-NY", date(2026, 12, 1)) == {profile.pk}
    assert _index("US-NY", date(2027, 3, 2)) == set()  # expiry is a query-time check
    licence.delete()
    assert _index("US-NY", date(2026, 12, 1)) == set()


def test_compact_membership_change_reaches_privilege_holders(make_therapist):
    profile = make_therapist("Pat Psypact", code="")
    add_licence(profile.user, "US-PA", kind="psychologist", psypact=True)
    today = timezone.localdate()
    assert profile.pk in _index("US-TX", today)
    CompactMember.objects.filter(compact=Compact.objects.get(slug="psypact"), jurisdiction="US-PA").delete()
    assert _index("US-TX", today) == set()  # the home state left the compact
    assert _index("US-PA", today) == {profile.pk}  # the direct licence still counts


def test_taxonomy_changes_from_either_side_and_term_renames(make_therapist):
    profile = make_therapist("Tao Terms", specialties=["anxiety"])
    today = timezone.localdate()

    def with_term(slug: str) -> set:
        return set(
            entries_for("US-NY", today).filter(has_term("specialties", slug)).values_list("profile_id", flat=True)
        )

    assert with_term("anxiety") == {profile.pk}
    grief = Specialty.objects.get(slug="grief")
    grief.profiles.add(profile)
    assert with_term("grief") == {profile.pk}
    profile.specialties.remove(Specialty.objects.get(slug="anxiety"))
    assert with_term("anxiety") == set()
    grief.profiles.clear()
    assert with_term("grief") == set()
    profile.specialties.add(grief)
    grief.slug = "grief-and-loss"
    grief.save()
    assert with_term("grief-and-loss") == {profile.pk}


def test_availability_summary_reaches_the_rows(make_therapist):
    profile = make_therapist("Ava Avail", open_in_days=None)
    soon = timezone.now() + timedelta(days=3)
    update_availability_summary(
        profile.user, soonest_open_at=soon, has_evening=True, has_weekend=False, open_slots_30d=4
    )
    assert list(SearchEntry.objects.filter(profile=profile).values_list("soonest_open_at", "has_evening")) == [
        (soon, True)
    ]
    assert [p.pk for p in search(parse_filters({"jurisdiction": "US-NY", "evenings": "1"})).results] == [profile.pk]


def test_profile_edits_are_copied(make_therapist):
    profile = make_therapist("Fay Fee", fee=200)
    profile.fee = 90
    profile.display_name = "Fay Lower Fee"
    profile.save()
    assert list(SearchEntry.objects.filter(profile=profile).values_list("fee", "display_name")) == [
        (90, "Fay Lower Fee")
    ]
    assert search_index.rebuild([profile.pk]) == 1


def _word_prefix_reference(code: str, today: date, tokens: list[str]) -> set:
    """Listed profiles (normalised tables) with a word starting with every token, checked in Python."""
    import re

    found = set()
    for pk, text in listable(code, today).values_list("id", "search_text"):
        words = re.findall(r"[^\W_]+", text.lower())
        if all(any(word.startswith(token) for word in words) for token in tokens):
            found.add(pk)
    return found


@pytest.mark.parametrize("words", [["work"], ["grief"], ["warm", "pract"], ["a"], ["trauma", "informed"], ["zzz"]])
def test_text_index_agrees_with_the_normalised_tables_per_jurisdiction(seeded, words):
    from confide.directory.licensure import lookup_keys

    today = timezone.localdate()
    for code in PLACES:
        keys = lookup_keys(code)
        got = entries_for(code, today).filter(profile_id__in=search_index.text_matches(words, keys))
        assert set(got.values_list("profile_id", flat=True)) == _word_prefix_reference(code, today, words), code


def test_text_index_follows_licences_and_hiding(make_therapist):
    profile = make_therapist("Gil Grief", bio="grief work")

    def found(code: str) -> list:
        return [p.pk for p in search(parse_filters({"jurisdiction": code, "q": "grief"})).results]

    assert (found("US-NY"), found("US-CA")) == ([profile.pk], [])
    licence = add_licence(profile.user, "US-CA")
    assert found("US-CA") == [profile.pk]
    licence.delete()
    assert found("US-CA") == []
    profile.hidden = True
    profile.save()
    assert found("US-NY") == []


def test_rebuild_reproduces_the_text_index(seeded):
    from django.db import connection

    def text_rows() -> list:
        column = "keys, body" if connection.vendor == "sqlite" else "document::text"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT profile_id, {column} FROM {search_index.FTS_TABLE} ORDER BY profile_id")  # noqa: S608
            return cursor.fetchall()

    built_by_signals = text_rows()
    assert len(built_by_signals) == len({pk for pk in SearchEntry.objects.values_list("profile_id", flat=True)})
    call_command("rebuild_search_index")
    assert text_rows() == built_by_signals
