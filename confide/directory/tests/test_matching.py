import pytest
from django.db import connection

from confide.directory.matching import WEIGHTS, clean_answers, latest_answers, rank, submit_answers
from confide.directory.models import MatchingAnswers
from confide.privacy.access import AccessDenied
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent

from .conftest import offer_sessions

pytestmark = pytest.mark.django_db


def answers(**given):
    return clean_answers({"jurisdiction": "US-NY", **given})


def order(**given) -> list[str]:
    return [m.profile.display_name for m in rank(answers(**given))]


def test_matching_hard_constraints_are_never_traded(make_therapist):
    perfect_but_ca = dict(specialties=["trauma-ptsd"], languages=["es"], modalities=["video"])
    make_therapist("Licensed Elsewhere", code="US-CA", **perfect_but_ca)
    make_therapist("Not Accepting", accepting_new_clients=False, **perfect_but_ca)
    make_therapist("Audio Only", specialties=["trauma-ptsd"], languages=["es"], modalities=["audio"])
    make_therapist("Plain Video", modalities=["video"])
    assert order(concerns=["trauma-ptsd"], language="es", modality="video", modality_required=True) == ["Plain Video"]


def test_matching_expected_order_for_crafted_case(make_therapist):
    # score: concern 3 + language 4 = 7 ; language only 4 ; concern only 3 ; nothing 0
    make_therapist("D Nothing", open_in_days=1)
    make_therapist("C Concern", specialties=["trauma-ptsd"], open_in_days=2)
    make_therapist("B Language", languages=["es"], open_in_days=3)
    make_therapist("A Both", specialties=["trauma-ptsd"], languages=["es"], open_in_days=4)
    make_therapist("E Both But Ghost", specialties=["trauma-ptsd"], languages=["es"], open_in_days=None)
    assert order(concerns=["trauma-ptsd"], language="es") == [
        "A Both",
        "B Language",
        "C Concern",
        "D Nothing",
        "E Both But Ghost",
    ]


def test_matching_ties_break_on_soonest_opening_then_name(make_therapist):
    make_therapist("Zed Soon", specialties=["grief"], open_in_days=1)
    make_therapist("Amy Later", specialties=["grief"], open_in_days=5)
    make_therapist("Bea Later", specialties=["grief"], open_in_days=5)
    first = order(concerns=["grief"])
    assert first[0] == "Zed Soon"
    assert first == order(concerns=["grief"])  # deterministic


def test_matching_budget_insurance_and_sliding_scale(make_therapist):
    make_therapist("Cheap", fee=80)
    make_therapist("Insured", fee=300, insurance=["aetna"])
    make_therapist("Sliding", fee=300, sliding_scale=True)
    make_therapist("Dear", fee=300)
    ranked = rank(answers(max_fee=100, insurance="aetna"))
    assert [(m.profile.display_name, m.score) for m in ranked][:3] == [
        ("Cheap", WEIGHTS["budget"]),
        ("Insured", WEIGHTS["budget"]),
        ("Sliding", WEIGHTS["sliding_scale"]),
    ]
    assert ranked[3].misses == ["Outside your budget or insurance"]


def test_matching_reasons_and_misses_explain_the_score(make_therapist):
    make_therapist(
        "Dr Ana",
        specialties=["trauma-ptsd"],
        languages=["es"],
        has_evening=True,
        gender="woman",
        competencies=["lgbtq-affirming"],
    )
    [match] = rank(
        answers(
            concerns=["trauma-ptsd", "ocd"],
            language="es",
            times=["evenings", "weekends"],
            therapist_gender="woman",
            competencies=["lgbtq-affirming"],
        )
    )
    assert match.reasons == [
        "Licensed in New York, United States (Licensed Clinical Social Worker (LCSW), valid until 2099-01-01).",
        "Specialises in Trauma & PTSD",
        "LGBTQ+-affirming",
        "Speaks Spanish",
        "Is a woman therapist",
        "Evening availability",
    ]
    assert match.misses == ["Does not list OCD", "No weekend times"]
    assert match.score == 3 + 2 + 4 + 2 + 1


def test_matching_sql_score_equals_explained_score(make_therapist):
    x = make_therapist("X", specialties=["ocd", "grief"], languages=["fr"], fee=50, has_weekend=True)
    given = answers(concerns=["ocd", "grief"], language="fr", max_fee=60, times=["weekends"], modality="video")
    from confide.directory.matching import candidates, score_expr

    for offered, modality_points in ((["audio"], 0), (["video", "audio"], WEIGHTS["modality"])):
        offer_sessions(x.user, offered)
        [match] = rank(given)
        sql = candidates(given, __import__("datetime").date.today()).annotate(s=score_expr(given)).get().s
        assert match.score == sql == 3 + 3 + 4 + 3 + 1 + modality_points


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"concerns": ["astrology"]}, "concerns"),
        ({"language": "xx"}, "language"),
        ({"jurisdiction": "Atlantis"}, "jurisdiction"),
        ({"therapist_gender": "robot"}, "therapist_gender"),
        ({"max_fee": -5}, "max_fee"),
        ({"times": ["mornings"]}, "times"),
        ({"modality_required": True}, "modality"),
        ({"concerns": ["anxiety", "depression", "ocd", "grief", "adhd", "bipolar"]}, "concerns"),
    ],
)
def test_clean_answers_rejects_bad_input(raw, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        clean_answers({"jurisdiction": "US-NY", **raw})
    assert field in caught.value.message_dict


def test_matching_answers_are_ciphertext_at_rest_and_audited(client_user):
    ctx = RequestContext(user=client_user)
    saved = submit_answers(
        ctx, client_user, {"jurisdiction": "US-NY", "concerns": ["trauma-ptsd"], "notes": "nightmares"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM directory_matchinganswers WHERE id = %s", [saved.pk.hex])
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT answers FROM directory_matchinganswers WHERE id = %s", [str(saved.pk)])
            row = cursor.fetchone()
    assert row[0].startswith("enc1:")
    assert "trauma" not in row[0] and "nightmares" not in row[0]
    assert latest_answers(ctx, client_user).answers["notes"] == "nightmares"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "outcome"))
    assert actions[-2:] == [("directory.matching.submit", "allowed"), ("directory.matching.view", "allowed")]


def test_matching_answers_refuse_other_people(client_user, other_client, therapist, staff):
    submit_answers(RequestContext(user=client_user), client_user, {"jurisdiction": "US-NY"})
    for person in (other_client, therapist, staff):
        with pytest.raises(Exception) as caught:
            latest_answers(RequestContext(user=person), client_user)
        assert caught.type.__name__ in ("Http404", AccessDenied.__name__)
    assert MatchingAnswers.objects.count() == 1
