"""Cached taxonomies and compact members: edits reach search at once, and reads cost no query."""

from __future__ import annotations

import pytest

from confide.directory import taxonomy
from confide.directory.models import Compact, CompactMember, Specialty
from confide.directory.search import FilterError, parse_filters, search

from .conftest import add_licence

pytestmark = pytest.mark.django_db


def test_cached_filter_validation_needs_no_query(django_assert_num_queries):
    parse_filters({"jurisdiction": "US-NY", "specialty": "anxiety", "language": "es"})
    with django_assert_num_queries(0):
        parse_filters({"jurisdiction": "US-NY", "specialty": "grief", "language": "en"})


def test_term_rename_reaches_the_cards(as_client, make_therapist):
    make_therapist("Nina Open", specialties=["anxiety"])
    assert "Anxiety" in as_client.get("/therapists/?jurisdiction=US-NY").content.decode()
    anxiety = Specialty.objects.get(slug="anxiety")
    anxiety.name = "Anxiety and worry"
    anxiety.save()
    assert "Anxiety and worry" in as_client.get("/therapists/?jurisdiction=US-NY").content.decode()


def test_deactivated_and_new_terms_reach_the_filters(make_therapist):
    profile = make_therapist("Nina Open", specialties=["anxiety"])
    parse_filters({"jurisdiction": "US-NY", "specialty": "anxiety"})
    Specialty.objects.filter(slug="anxiety").update(active=False)  # a bulk update sends no signal …
    Specialty.objects.get(slug="anxiety").save()  # … the admin's save does
    with pytest.raises(FilterError):
        parse_filters({"jurisdiction": "US-NY", "specialty": "anxiety"})
    perinatal = Specialty.objects.create(slug="perinatal-test", name="Perinatal mental health (test)")
    profile.specialties.add(perinatal)
    page = search(parse_filters({"jurisdiction": "US-NY", "specialty": "perinatal-test"}))
    shown = [[t.name for t in p.card_specialties] for p in page.results]
    assert shown == [["Anxiety", "Perinatal mental health (test)"]]  # cards list inactive terms, as before


def test_compact_membership_edit_reaches_search(make_therapist):
    profile = make_therapist("Pat Psypact", code="")
    add_licence(profile.user, "US-PA", kind="psychologist", psypact=True)
    assert [p.pk for p in search(parse_filters({"jurisdiction": "US-TX"})).results] == [profile.pk]
    CompactMember.objects.get(compact=Compact.objects.get(slug="psypact"), jurisdiction="US-TX").delete()
    assert search(parse_filters({"jurisdiction": "US-TX"})).results == []


def test_cache_expires_for_edits_made_by_other_processes(monkeypatch):
    taxonomy.terms("specialties")
    Specialty.objects.filter(slug="anxiety").update(name="Edited elsewhere")  # no signal in this process
    assert taxonomy.terms("specialties")["anxiety"].name == "Anxiety"
    monkeypatch.setattr(taxonomy, "MAX_AGE", 0.0)
    assert taxonomy.terms("specialties")["anxiety"].name == "Edited elsewhere"


def test_card_terms_keep_the_taxonomy_order(make_therapist):
    make_therapist("Nina Open", specialties=["grief", "anxiety"], languages=["es", "en"])
    profile = search(parse_filters({"jurisdiction": "US-NY"})).results[0]
    expected = [list(profile.specialties.all()), list(profile.languages.all())]
    assert [profile.card_specialties, profile.card_languages] == expected
