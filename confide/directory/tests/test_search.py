from datetime import timedelta

import pytest
from django.utils import timezone

from confide.directory.search import MAX_PAGE, PAGE_SIZE, FilterError, SearchFilters, parse_filters, search

pytestmark = pytest.mark.django_db


def names(result) -> list[str]:
    return [p.display_name for p in result.results]


def run(**params) -> list[str]:
    return names(search(parse_filters({"jurisdiction": "US-NY", **params})))


def test_search_shows_only_therapists_licensed_where_the_client_is(make_therapist):
    make_therapist("Ny One")
    make_therapist("Ca One", code="US-CA")
    assert run() == ["Ny One"]


def test_search_filters_by_taxonomies_gender_and_fee(make_therapist):
    make_therapist("Anna", specialties=["anxiety"], languages=["es"], gender="woman", fee=120)
    make_therapist("Bert", specialties=["anxiety"], languages=["en"], gender="man", fee=90)
    make_therapist("Cleo", specialties=["grief"], languages=["es"], gender="woman", fee=200)
    assert run(specialty="anxiety") == ["Anna", "Bert"]
    assert run(specialty="anxiety", language="es") == ["Anna"]
    assert run(gender="woman") == ["Anna", "Cleo"]
    assert run(max_fee="120") == ["Anna", "Bert"]
    assert run(modality="in-person") == []  # nobody's booking rules offer it (the defaults do not)


def test_search_availability_filters(make_therapist):
    make_therapist("Soon", open_in_days=1, has_evening=True)
    make_therapist("Later", open_in_days=20, has_weekend=True)
    assert run(within_days="7") == ["Soon"]
    assert run(evenings="1") == ["Soon"]
    assert run(weekends="1") == ["Later"]


def test_search_hides_ghosts_by_default_and_ranks_them_last(make_therapist):
    make_therapist("Aaron Ghost", open_in_days=None)
    make_therapist("Abe Closed", accepting_new_clients=False)
    make_therapist("Zoe Open", open_in_days=10)
    make_therapist("Yan Stale", open_in_days=-2)  # soonest slot already passed: summary is stale
    make_therapist("Xia Far", open_in_days=45)
    result = search(parse_filters({"jurisdiction": "US-NY"}))
    assert (names(result), result.total, result.unavailable) == (["Zoe Open"], 1, 4)
    everyone = run(include_unavailable="1")
    assert everyone[0] == "Zoe Open"
    assert sorted(everyone[1:]) == ["Aaron Ghost", "Abe Closed", "Xia Far", "Yan Stale"]


def test_search_text_relevance_name_over_headline_over_bio(make_therapist):
    make_therapist("Bio Match", bio="I work with trauma survivors", open_in_days=1)
    make_therapist("Headline Match", headline="Trauma-informed care", open_in_days=2)
    make_therapist("Trauma Name", open_in_days=3)
    make_therapist("No Match", bio="grief", open_in_days=0.5)
    assert run(q="TRAUMA") == ["Trauma Name", "Headline Match", "Bio Match"]


def test_search_text_needs_every_word(make_therapist):
    make_therapist("Ana", bio="anxiety and panic")
    make_therapist("Ben", bio="anxiety only")
    assert run(q="anxiety panic") == ["Ana"]


def test_search_text_matches_word_beginnings_and_follows_edits(make_therapist):
    profile = make_therapist("Ana", bio="Trauma-informed, EMDR; grief")
    make_therapist("Ben", bio="dramatherapy")
    assert run(q="inform") == ["Ana"]  # a word beginning
    assert run(q="rauma") == []  # not the middle of a word
    assert run(q="ther") == []  # "dramatherapy" does not start with it
    profile.bio = "Couples work"
    profile.save()
    assert (run(q="trauma"), run(q="couple")) == ([], ["Ana"])
    profile.delete()
    assert run(q="couple") == []


def test_search_text_with_symbols_is_not_a_query_language(make_therapist):
    make_therapist("Ana", bio="anxiety")
    # Operators are neither obeyed nor errors: every word must begin a word of the profile.
    cases = {'anx" OR *': [], "anx:* | x": ["Ana"], "AND anx": [], "NEAR(anx)": [], "anx_iety": [], "(anx)": ["Ana"]}
    assert {q: run(q=q) for q in cases} == cases


def test_search_sorts(make_therapist):
    make_therapist("Dear Soon", fee=200, open_in_days=1)
    make_therapist("Cheap Late", fee=50, open_in_days=9)
    make_therapist("Mid", fee=100, open_in_days=5)
    assert run(sort="fee") == ["Cheap Late", "Mid", "Dear Soon"]
    assert run(sort="soonest") == ["Dear Soon", "Mid", "Cheap Late"]


def test_search_paginates(make_therapist):
    for i in range(PAGE_SIZE + 3):
        make_therapist(f"T{i:02d}", open_in_days=1 + i / 100)
    first = search(parse_filters({"jurisdiction": "US-NY"}))
    second = search(parse_filters({"jurisdiction": "US-NY", "page": "2"}))
    assert (len(first.results), first.pages, first.has_next) == (PAGE_SIZE, 2, True)
    assert names(second) == ["T20", "T21", "T22"]
    assert set(names(first)) & set(names(second)) == set()


def test_search_excludes_hidden_profiles(make_therapist):
    profile = make_therapist("Hidden")
    profile.hidden = True
    profile.save()
    assert run() == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"specialty": "astrology"}, "not a known specialty"),
        ({"colour": "blue"}, "Unknown search filter"),
        ({"page": str(MAX_PAGE + 1)}, "page must be between"),
        ({"page": "99999999999999999999"}, "whole number"),
        ({"page": "-1"}, "whole number"),
        ({"max_fee": "cheap"}, "whole number"),
        ({"sort": "random"}, "not a valid sort"),
        ({"gender": "robot"}, "not a valid gender"),
        ({"evenings": "maybe"}, "yes/no"),
        ({"q": "x" * 5000}, "too long"),
        ({"q": "a\x00b"}, "not allowed"),
        ({"jurisdiction": "US-ZZ"}, "not a known state"),
    ],
)
def test_parse_filters_rejects_bad_input_with_a_readable_message(params, message):
    with pytest.raises(FilterError) as caught:
        parse_filters({"jurisdiction": "US-NY", **params})
    assert message in " ".join(caught.value.messages)


def test_parse_filters_requires_a_jurisdiction():
    with pytest.raises(FilterError):
        parse_filters({})


def test_filters_round_trip_through_the_url():
    filters = parse_filters({"jurisdiction": "us-ny", "specialty": "anxiety", "max_fee": "90", "evenings": "1"})
    assert parse_filters(filters.to_params()) == filters
    assert filters == SearchFilters("US-NY", terms={"specialty": "anxiety"}, max_fee=90, evenings=True)


def test_expired_licence_drops_out_of_search(make_therapist):
    profile = make_therapist("Lapsed", code="")
    from .conftest import add_licence

    add_licence(profile.user, "US-NY", expires=timezone.localdate() - timedelta(days=1))
    assert run() == []


@pytest.mark.parametrize("extra", [{}, {"specialty": "anxiety"}, {"q": "page"}])
def test_search_counts_on_a_page_past_the_end(make_therapist, extra):
    make_therapist("Open One", specialties=["anxiety"], bio="page test")
    make_therapist("Ghost One", specialties=["anxiety"], bio="page test", open_in_days=None)
    result = search(parse_filters({"jurisdiction": "US-NY", "page": "3", **extra}))
    assert (names(result), result.total, result.unavailable, result.pages) == ([], 1, 1, 1)
    everyone = search(parse_filters({"jurisdiction": "US-NY", "include_unavailable": "1", **extra}))
    assert (names(everyone), everyone.total, everyone.unavailable) == (["Open One", "Ghost One"], 2, 1)


@pytest.mark.parametrize("extra", [{}, {"specialty": "anxiety"}, {"q": "calm"}])
def test_search_pages_agree_with_and_without_row_filters(make_therapist, extra):
    """Counting in one scan (tag or text filters) and in two (index-only filters) gives the same pages."""
    for i in range(PAGE_SIZE + 5):
        days = None if i % 4 == 0 else 1 + i / 100
        make_therapist(f"T{i:02d}", specialties=["anxiety"], bio="calm", open_in_days=days)
    pages = [search(parse_filters({"jurisdiction": "US-NY", "page": str(n), **extra})) for n in (1, 2)]
    assert [(len(p.results), p.total, p.unavailable, p.pages) for p in pages] == [(18, 18, 7, 1), (0, 18, 7, 1)]
    shown = search(parse_filters({"jurisdiction": "US-NY", "include_unavailable": "1", "page": "2", **extra}))
    assert (names(shown), shown.total) == (["T00", "T04", "T08", "T12", "T16", "T20", "T24"][2:], 25)
