"""PHQ-9, GAD-7 and C-SSRS scoring: every band boundary, incomplete never scored, skip logic."""

from __future__ import annotations

import pytest

from confide.intake.definitions import instrument
from confide.intake.scoring import band_for, change_since_baseline, clean_answers, cssrs_risk, missing_items, score


def answers_with_total(key: str, total: int, item9: int | None = None) -> dict[str, int]:
    items = [item["id"] for item in instrument(key)["items"]]
    answers = dict.fromkeys(items, 0)
    remaining = total
    if item9 is not None:
        answers["q9"] = item9
        remaining -= item9
    for item in items:
        if item == "q9" and item9 is not None:
            continue
        take = min(3, remaining)
        answers[item] += take
        remaining -= take
    assert remaining == 0
    return answers


PHQ9_BOUNDARIES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe"),
]  # fmt: skip
GAD7_BOUNDARIES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "severe"), (21, "severe"),
]  # fmt: skip


@pytest.mark.parametrize(("total", "band"), PHQ9_BOUNDARIES)
def test_phq9_band_at_boundary(total, band):
    result = score("phq9", answers_with_total("phq9", total, item9=0 if total <= 24 else 3))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "band"), GAD7_BOUNDARIES)
def test_gad7_band_at_boundary(total, band):
    result = score("gad7", answers_with_total("gad7", total))
    assert (result.total, result.band, result.safety_item) == (total, band, None)


def test_phq9_has_exact_items_and_options():
    phq9 = instrument("phq9")
    assert [o["label"] for o in phq9["options"]] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day"
    ]  # fmt: skip
    assert [o["value"] for o in phq9["options"]] == [0, 1, 2, 3]
    assert len(phq9["items"]) == 9
    assert phq9["items"][0]["text"] == "Little interest or pleasure in doing things"
    assert phq9["items"][8]["text"] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert phq9["extra"][0]["id"] == "difficulty"
    assert len(instrument("gad7")["items"]) == 7
    assert instrument("gad7")["items"][0]["text"] == "Feeling nervous, anxious, or on edge"


def test_phq9_difficulty_question_is_not_scored():
    answers = answers_with_total("phq9", 7)
    assert score("phq9", {**answers, "difficulty": 3}).total == 7


def test_phq9_item9_is_reported_whatever_the_total():
    result = score("phq9", answers_with_total("phq9", 1, item9=1))
    assert (result.total, result.band, result.safety_item) == (1, "minimal", 1)


def test_incomplete_phq9_is_never_scored():
    answers = answers_with_total("phq9", 10)
    del answers["q5"]
    assert score("phq9", answers) is None
    assert missing_items(instrument("phq9"), answers) == ["q5"]


@pytest.mark.parametrize("bad", [4, -1, "3x", None, True, 1.5, "", [1]])
def test_out_of_range_answer_counts_as_missing(bad):
    answers = {**answers_with_total("gad7", 3), "q7": bad}
    assert score("gad7", answers) is None


def test_string_digits_are_accepted():
    answers = {k: str(v) for k, v in answers_with_total("gad7", 6).items()}
    assert score("gad7", answers).total == 6


def test_band_outside_range_raises():
    with pytest.raises(ValueError):
        band_for("phq9", 28)


def test_clean_answers_drops_unknown_items_and_bad_values():
    cleaned = clean_answers(instrument("phq9"), {"q1": 2, "q2": 7, "evil": 1, "difficulty": 1, "q3": "1"})
    assert cleaned == {"q1": 2, "q3": 1, "difficulty": 1}


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({"q1": 0, "q2": 0, "q6": 0}, "none"),
        ({"q1": 1, "q2": 0, "q6": 0}, "low"),
        ({"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}, "low"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 0}, "moderate"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}, "high"),
        ({"q1": 0, "q2": 1, "q3": 0, "q4": 0, "q5": 1, "q6": 0}, "high"),
        ({"q1": 0, "q2": 0, "q6": 1}, "high"),
    ],
)
def test_cssrs_risk_mapping(answers, risk):
    assert cssrs_risk(answers) == risk


def test_cssrs_skip_logic_q3_to_q5_only_after_yes_to_q2():
    definition = instrument("cssrs")
    assert missing_items(definition, {"q1": 1, "q2": 0}) == ["q6"]
    assert missing_items(definition, {"q1": 1, "q2": 1}) == ["q3", "q4", "q5", "q6"]
    assert cssrs_risk({"q1": 1, "q2": 1, "q6": 0}) is None  # q3–q5 unanswered: incomplete


def test_cssrs_answers_to_skipped_questions_are_dropped():
    cleaned = clean_answers(instrument("cssrs"), {"q1": 0, "q2": 0, "q3": 1, "q4": 1, "q5": 1, "q6": 0})
    assert cleaned == {"q1": 0, "q2": 0, "q6": 0}
    assert cssrs_risk(cleaned) == "none"


@pytest.mark.parametrize(
    ("key", "totals", "delta", "reliable", "direction"),
    [
        ("phq9", [18, 14], -4, False, "no reliable change"),
        ("phq9", [18, 13], -5, True, "improved"),
        ("phq9", [8, 13], 5, True, "worse"),
        ("gad7", [12, 9], -3, False, "no reliable change"),
        ("gad7", [12, 8], -4, True, "improved"),
    ],
)
def test_change_since_baseline_and_reliable_change(key, totals, delta, reliable, direction):
    change = change_since_baseline(key, totals)
    assert (change.delta, change.reliable, change.direction) == (delta, reliable, direction)


def test_change_needs_two_results():
    assert change_since_baseline("phq9", [12]) is None


@pytest.mark.parametrize("key", ["phq9", "gad7", "cssrs"])
def test_definition_version_fits_its_column(key):
    from confide.intake.models import MeasureResponse

    assert len(instrument(key)["version"]) <= MeasureResponse._meta.get_field("version").max_length
