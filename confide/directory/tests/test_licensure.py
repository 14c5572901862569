from datetime import date

import pytest

from confide.directory.licensure import licensed_in_q
from confide.directory.models import CompactMember, TherapistProfile
from confide.directory.services import Decision, may_treat, profile_for

from .conftest import add_licence

pytestmark = pytest.mark.django_db
ON = date(2027, 6, 1)


def test_may_treat_verified_licence_in_the_clients_state(therapist):
    add_licence(therapist, "US-NY", expires=date(2028, 1, 1))
    decision = may_treat(therapist, "us-ny", on=ON)
    assert decision.allowed is True
    assert "New York" in decision.reason


def test_may_treat_refuses_other_state(therapist):
    add_licence(therapist, "US-NY")
    assert may_treat(therapist, "US-CA", on=ON) == Decision(False, "Not licensed in California, United States.")


@pytest.mark.parametrize(
    ("status", "expires", "allowed", "reason_part"),
    [
        ("verified", date(2027, 6, 1), True, "Licensed"),  # expires that day: still valid that day
        ("verified", date(2027, 5, 31), False, "expired"),
        ("pending", date(2030, 1, 1), False, "waiting for verification"),
        ("rejected", date(2030, 1, 1), False, "Not licensed"),
        ("expired", date(2030, 1, 1), False, "Not licensed"),
    ],
)
def test_may_treat_counts_only_verified_unexpired(therapist, status, expires, allowed, reason_part):
    add_licence(therapist, "US-NY", status=status, expires=expires)
    decision = may_treat(therapist, "US-NY", on=ON)
    assert (decision.allowed, reason_part in decision.reason) == (allowed, True)


def test_may_treat_expiry_is_a_query_time_check(therapist):
    add_licence(therapist, "US-NY", expires=date(2027, 6, 1))
    assert may_treat(therapist, "US-NY", on=date(2027, 6, 1)).allowed is True
    assert may_treat(therapist, "US-NY", on=date(2027, 6, 2)).allowed is False


@pytest.mark.parametrize("code", ["", "XX", "US-ZZ", "not a place", "US-NY; DROP TABLE"])
def test_may_treat_invalid_jurisdiction_is_a_refusal_not_an_exception(therapist, code):
    decision = may_treat(therapist, code, on=ON)
    assert decision.allowed is False
    assert decision.reason


def test_may_treat_refuses_non_therapists(client_user):
    assert may_treat(client_user, "US-NY", on=ON) == Decision(False, "Only therapists hold licences.")


@pytest.mark.parametrize(
    ("kind", "home", "privilege", "client_in", "allowed"),
    [
        ("psychologist", "US-PA", True, "US-TX", True),  # both members
        ("psychologist", "US-PA", True, "US-NY", False),  # client's state not a member
        ("psychologist", "US-PA", False, "US-TX", False),  # no privilege
        ("lcsw", "US-PA", True, "US-TX", False),  # not a psychologist
        ("psychologist", "US-NY", True, "US-TX", False),  # home licence outside the compact
    ],
)
def test_may_treat_psypact(therapist, kind, home, privilege, client_in, allowed):
    add_licence(therapist, home, kind=kind, psypact=privilege)
    assert may_treat(therapist, client_in, on=ON).allowed is allowed


def test_psypact_member_list_is_data(therapist):
    add_licence(therapist, "US-PA", kind="psychologist", psypact=True)
    assert may_treat(therapist, "US-CA", on=ON).allowed is False
    CompactMember.objects.create(compact_id=CompactMember.objects.first().compact_id, jurisdiction="US-CA")
    assert may_treat(therapist, "US-CA", on=ON).allowed is True


def test_psypact_requires_the_home_licence_to_be_current(therapist):
    add_licence(therapist, "US-PA", kind="psychologist", psypact=True, expires=date(2027, 1, 1))
    assert may_treat(therapist, "US-TX", on=ON).allowed is False


def test_national_licence_covers_regions_outside_state_licensing_countries(therapist):
    add_licence(therapist, "DE", kind="de-psychotherapeut")
    assert may_treat(therapist, "DE-BE", on=ON).allowed is True
    assert may_treat(therapist, "DE", on=ON).allowed is True


def test_national_us_code_does_not_cover_a_state(therapist):
    add_licence(therapist, "US", kind="other")
    assert may_treat(therapist, "US-NY", on=ON).allowed is False


@pytest.mark.parametrize("client_in", ["US-NY", "US-TX", "US-PA", "US-CA", "DE-BE", "DE"])
def test_search_query_agrees_with_may_treat(therapist, other_therapist, client_in):
    add_licence(therapist, "US-PA", kind="psychologist", psypact=True)
    add_licence(other_therapist, "DE", kind="de-psychotherapeut")
    add_licence(other_therapist, "US-NY", status="verified", expires=date(2027, 1, 1))
    people = [therapist, other_therapist]
    for person in people:
        profile_for(person)
    found = set(TherapistProfile.objects.filter(licensed_in_q(client_in, ON)).values_list("user_id", flat=True))
    assert found == {p.pk for p in people if may_treat(p, client_in, on=ON).allowed}


@pytest.mark.parametrize("client_in", ["US-NY", "US-TX", "US-PA", "US-CA", "DE-BE", "Narnia"])
def test_may_treat_each_is_may_treat_for_many(
    therapist, other_therapist, client_user, client_in, django_assert_max_num_queries
):
    add_licence(therapist, "US-NY", expires=date(2028, 1, 1))
    add_licence(therapist, "US-NY", kind="psychologist", expires=date(2029, 1, 1))
    add_licence(other_therapist, "US-PA", kind="psychologist", psypact=True)
    add_licence(other_therapist, "US-CA", status="pending")
    people = [therapist, other_therapist, client_user]
    one_by_one = {person.pk: may_treat(person, client_in, on=ON) for person in people}
    from confide.directory.licensure import may_treat_each

    with django_assert_max_num_queries(3 + 3):  # direct, members, compact; refusal reasons for the refused
        together = may_treat_each(people, client_in, on=ON)
    assert together == one_by_one


@pytest.mark.parametrize("client_in", ["US-NY", "US-TX", "US-CA", "Narnia"])
def test_may_treat_on_dates_gives_may_treats_answer_on_every_date(therapist, client_in):
    """Two NY licences ending on different days, a PSYPACT home licence ending between them, a pending one."""
    add_licence(therapist, "US-NY", expires=date(2027, 6, 3))
    add_licence(therapist, "US-NY", kind="psychologist", expires=date(2027, 6, 6))
    add_licence(therapist, "US-PA", kind="psychologist", psypact=True, expires=date(2027, 6, 4))
    add_licence(therapist, "US-CA", status="pending", expires=date(2027, 6, 5))
    dates = [date(2027, 6, day) for day in range(1, 10)]
    from confide.directory.services import may_treat_on_dates

    assert may_treat_on_dates(therapist, client_in, dates) == {
        on: may_treat(therapist, client_in, on=on) for on in dates
    }


def test_may_treat_on_dates_asks_once_per_licence_state_not_per_date(therapist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from confide.directory.services import may_treat_on_dates

    add_licence(therapist, "US-NY", expires=date(2027, 6, 10))

    def queries_for(days: range) -> tuple[int, list[int]]:
        with CaptureQueriesContext(connection) as captured:
            decisions = may_treat_on_dates(therapist, "US-NY", [date(2027, 6, day) for day in days])
        return len(captured), [on.day for on, d in decisions.items() if not d.allowed]

    # Ten days across the licence's end cost what its last day and the next one cost: two decisions.
    assert queries_for(range(1, 20)) == (queries_for(range(10, 12))[0], list(range(11, 20)))
    assert queries_for(range(1, 10))[0] == queries_for(range(1, 2))[0]
