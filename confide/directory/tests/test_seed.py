import pytest
from django.core.management import call_command

from confide.directory.models import Licence, MatchingAnswers, TherapistProfile
from confide.directory.search import parse_filters, search
from confide.directory.services import may_treat

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(TherapistProfile.objects.order_by("slug").values_list("slug", "headline", "fee", "gender"))


def test_seed_directory_is_reproducible_and_searchable():
    call_command("seed_directory", therapists=30, seed=7)
    first = _snapshot()
    assert TherapistProfile.objects.count() == 30
    assert Licence.objects.count() >= 30
    call_command("seed_directory", therapists=30, seed=7, replace=True)
    assert _snapshot() == first
    call_command("seed_directory", therapists=5, seed=7)  # appends without clashing
    assert TherapistProfile.objects.count() == 35
    result = search(parse_filters({"jurisdiction": "US-CA", "include_unavailable": "1"}))
    assert [may_treat(p.user, "US-CA").allowed for p in result.results] == [True] * len(result.results)


def test_export_includes_matching_answers(client_user):
    from confide.directory.export import collect
    from confide.privacy.audit import RequestContext

    MatchingAnswers.objects.create(client=client_user, answers={"jurisdiction": "US-NY", "notes": "hi"})
    data = collect(RequestContext(user=client_user), client_user)
    assert data["matching_answers"][0]["answers"]["notes"] == "hi"


def test_demo_populate_is_idempotent_and_searchable():
    from confide.core.demo import create_demo

    create_demo()
    create_demo()
    assert TherapistProfile.objects.count() == 4
    assert Licence.objects.filter(status="pending").count() == 1
    result = search(parse_filters({"jurisdiction": "US-TX", "include_unavailable": "1"}))
    assert [p.display_name for p in result.results] == ["Dr Ana Morales"]  # through PSYPACT
