"""explain_text: the rules' none decisions, public, without changing any level screen_text returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from confide.safety.screening import (
    DROP_REASONS,
    NO_LEXICON,
    NO_WORDS,
    RESOLVED_PAST,
    Finding,
    explain_text,
    screen_text,
)

DATA = Path(__file__).resolve().parent / "data"


def test_explain_text_negation_is_judged_away():
    explanation = explain_text("I would never hurt myself")
    assert explanation.screening.level == "none"
    (sentence,) = explanation.sentences
    assert sentence.judged_away == (Finding("hurt myself", "self-harm", "concern", "negation"),)
    assert sentence.ruled_out


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("I don't have any thoughts of harming myself", "denial"),
        ("my therapist asked if I was suicidal and I said no", "asked and said no"),
        ("I'm writing an essay on why teenagers self-harm", "own work"),
    ],
)
def test_explain_text_names_why_a_match_was_dropped(text, why):
    explanation = explain_text(text)
    assert explanation.screening == screen_text(text)
    reasons = [f.dropped for s in explanation.sentences for f in s.judged_away]
    assert why in reasons
    assert set(reasons) <= set(DROP_REASONS)


def test_explain_text_idiom_is_blanked():
    explanation = explain_text("This traffic is killing me")
    (sentence,) = explanation.sentences
    assert sentence.idioms == ("killing me",)
    assert "killing" not in sentence.blanked
    assert sentence.ruled_out


def test_explain_text_kept_finding_is_not_ruled_out():
    explanation = explain_text("I'm going to kill myself tonight.")
    assert explanation.screening.level == "urgent"
    assert all(not f.dropped for s in explanation.sentences for f in s.findings)
    assert not any(s.ruled_out for s in explanation.sentences)


def test_explain_text_resolved_past_is_a_message_veto():
    explanation = explain_text("I self-harmed years ago but I've been clean for five years now")
    assert explanation.vetoes == (RESOLVED_PAST,)


def test_explain_text_relapse_is_not_resolved():
    assert explain_text("I cut last night after 6 months clean").vetoes == ()


def test_explain_text_without_words_or_lexicon():
    assert explain_text("🙂🙂").vetoes == (NO_WORDS,)
    assert explain_text("hello there", locale="xx").vetoes == (NO_LEXICON,)


def test_explain_text_lists_each_distinct_sentence_once():
    explanation = explain_text("I'm fine. I'm fine. Work was busy.")
    assert [s.text for s in explanation.sentences] == ["i'm fine.", "work was busy."]


def test_explain_text_leaves_as_dict_unchanged():
    text = "I would never hurt myself"
    assert explain_text(text).screening.as_dict() == {"level": "none", "reasons": []}


def test_explain_text_agrees_with_screen_text_on_every_labelled_message():
    for path in sorted(DATA.glob("*_messages.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            assert explain_text(text).screening == screen_text(text), text


def test_prepare_compiles_every_shipped_lexicon_so_no_message_waits_for_it():
    from confide.safety import screening

    shipped = len(list(screening.DATA_DIR.glob("lexicon_*.json")))
    screening._lexicon.cache_clear()
    screening.prepare()
    compiled = screening._lexicon.cache_info()
    assert compiled.currsize == shipped >= 1

    screening.screen_text("I can't sleep and I feel hopeless")
    assert screening._lexicon.cache_info().misses == compiled.misses  # nothing left to compile
