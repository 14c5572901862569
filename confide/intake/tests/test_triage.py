"""Triage rules: each outcome from crafted cases; unknown facts never trigger."""

from __future__ import annotations

import pytest

from confide.intake.triage import evaluate, facts_from

CALM_INTAKE = {
    "hospitalisation": "never",
    "experiences": ["none"],
    "alcohol": "monthly",
    "drugs": "never",
}


def recommend(intake=None, **measures):
    return evaluate(facts_from(intake, measures))


def test_no_information_is_online():
    result = recommend()
    assert (result.outcome, result.reasons) == ("online", [])


def test_calm_intake_and_mild_scores_is_online():
    assert recommend(CALM_INTAKE, phq9_total=7, phq9_item9=0, gad7_total=6).outcome == "online"


@pytest.mark.parametrize(
    ("intake", "measures", "rule"),
    [
        ({**CALM_INTAKE, "hospitalisation": "past_12_months"}, {}, "recent_hospitalisation"),
        ({**CALM_INTAKE, "experiences": ["voices"]}, {}, "psychosis_indicators"),
        ({**CALM_INTAKE, "experiences": ["beliefs"]}, {}, "psychosis_indicators"),
        ({**CALM_INTAKE, "experiences": ["high_energy"]}, {}, "mania_indicators"),
        (CALM_INTAKE, {"phq9_total": 21, "phq9_item9": 1}, "severe_depression_with_risk"),
        (CALM_INTAKE, {"cssrs_risk": "high"}, "cssrs_high"),
    ],
)
def test_in_person_outcomes(intake, measures, rule):
    result = recommend(intake, **measures)
    assert result.outcome == "in_person"
    assert rule in result.rule_ids


@pytest.mark.parametrize(
    ("intake", "measures", "rule"),
    [
        (CALM_INTAKE, {"phq9_total": 20, "phq9_item9": 0}, "severe_depression"),
        (CALM_INTAKE, {"gad7_total": 15}, "severe_anxiety"),
        (CALM_INTAKE, {"phq9_total": 8, "phq9_item9": 1}, "suicidal_ideation"),
        (CALM_INTAKE, {"cssrs_risk": "moderate"}, "cssrs_moderate"),
        ({**CALM_INTAKE, "drugs": "regular"}, {}, "regular_substance_use"),
        ({**CALM_INTAKE, "alcohol": "4_plus_week"}, {}, "regular_substance_use"),
    ],
)
def test_hybrid_outcomes(intake, measures, rule):
    result = recommend(intake, **measures)
    assert (result.outcome, result.rule_ids) == ("hybrid", [rule])


def test_boundaries_just_below_thresholds_stay_online():
    assert recommend(CALM_INTAKE, phq9_total=19, phq9_item9=0, gad7_total=14).outcome == "online"
    assert recommend({**CALM_INTAKE, "hospitalisation": "over_12_months"}).outcome == "online"


def test_most_cautious_outcome_wins_and_every_reason_is_listed():
    result = recommend({**CALM_INTAKE, "drugs": "regular", "hospitalisation": "past_12_months"}, gad7_total=16)
    assert result.outcome == "in_person"
    assert result.rule_ids == ["recent_hospitalisation", "severe_anxiety", "regular_substance_use"]
    assert len(result.reasons) == 3


def test_client_message_is_supportive_and_names_no_rule():
    result = recommend({**CALM_INTAKE, "experiences": ["voices"]})
    assert "psychotic" not in result.client_message.lower()
    assert "deserve" in result.client_message


def test_garbage_facts_do_not_raise():
    result = evaluate(facts_from({"experiences": "voices", "hospitalisation": 3}, {"phq9_total": "lots"}))
    assert result.outcome == "in_person"  # a single string experience is still read


# --- open safety events (triage-v2) -----------------------------------------------------


@pytest.mark.parametrize(
    ("level", "outcome", "rule_ids"),
    [
        ("high", "in_person", ["open_safety_event_high"]),
        ("moderate", "hybrid", ["open_safety_event_moderate"]),
        ("low", "online", []),
        ("none", "online", []),
        (None, "online", []),
    ],
)
def test_open_safety_event_level_sets_the_floor(level, outcome, rule_ids):
    result = evaluate(facts_from(CALM_INTAKE, {"phq9_total": 3, "phq9_item9": 0}, open_safety_level=level))
    assert (result.outcome, result.rule_ids) == (outcome, rule_ids)


def test_open_high_safety_event_reason_tells_the_therapist_to_follow_it_up():
    result = evaluate(facts_from(None, {}, open_safety_level="high"))
    assert result.label == "Recommend in-person or a higher level of care"
    assert result.reasons == [
        "An open high-level safety event (urgent risk language, “I need help now” or a high C-SSRS) "
        "has not been followed up and closed yet — see Safety alerts."
    ]


@pytest.mark.django_db
def test_triage_card_counts_an_open_urgent_safety_event(care, as_therapist, client_user, therapist):
    from django.urls import reverse

    from confide.privacy.audit import RequestContext
    from confide.safety import escalation

    url = reverse("client_intake", kwargs={"client_id": client_user.pk})
    assert "Online care suitable" in as_therapist.get(url).content.decode()
    escalation.screen_client_text(
        RequestContext(user=client_user),
        client_user,
        "I want to end my life and I have the pills here",
        source="message",
        source_ref="message:1",
    )
    page = as_therapist.get(url).content.decode()
    assert "Triage: Recommend in-person or a higher level of care" in page
    assert "No rule raised a concern" not in page and "An open high-level safety event" in page
    event = escalation.events_visible_to(therapist).get()
    escalation.close_safety_event(RequestContext(user=therapist), event, "Called the client, safety plan agreed.")
    assert "Online care suitable" in as_therapist.get(url).content.decode()
