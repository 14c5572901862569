"""The text risk screener: what each level means, the traps it must avoid, bad input, and the measured goals.

Examples are written as a clinician would label them (issue 5): urgent = intent,
plan, means, timeframe, an act in progress or imminent danger to or from someone;
concern = passive wishes, hopelessness, self-harm without imminence, someone else
at risk, abuse, dangerous eating; none = everyday language, idioms, negations,
fiction or research, past and resolved.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from confide.safety import services
from confide.safety.screening import MAX_REASONS, Screening, normalise, screen_text

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))

import safety_eval  # noqa: E402


def level(text: str) -> str:
    return screen_text(text).level


URGENT = [
    # acts in progress: overdose with drug names and counts, poison, cutting, ledges
    "I swallowed 40 of my sertraline",
    "tonight i'm taking every pill in the cabinet",
    "just took the whole packet of co-codamol",
    "i drank bleach ten minutes ago",
    "I'm cutting right now and it won't stop bleeding",
    "i'm on the ledge of my balcony",
    "I'm standing on the railway bridge",
    "the car is running in the closed garage",
    # intent, timeframe, plan, means
    "I'm ready to die tonight",
    "im gonna unalive myself after my exams",
    "I want to kill myself and I've got my dad's gun",
    "I've been stockpiling my quetiapine",
    "my plan is to crash my car into a tree",
    "I'm going to step in front of the next train",
    # safety and farewell
    "I can't promise I'll be safe tonight",
    "I won't be here tomorrow",
    "this is the last time you'll hear from me",
    "goodbye everyone, thank you for everything",
    # danger to and from others
    "I'm going to shoot up my school",
    "He's got a knife and he's screaming that he'll kill us",
    "my ex is threatening to hurt the baby",
    "my sister just took a bottle of pills",
]

CONCERN = [
    # self-harm without imminence
    "I cut my arm again this morning",
    "I've been burning my thigh with a lighter",
    "I bang my head against the wall until it bruises",
    # dangerous eating behaviour
    "I've been making myself throw up",
    "I haven't eaten anything in three days",
    "I've been taking laxatives after every meal",
    "restricting to 600 calories again",
    # passive wishes and hopelessness
    "sometimes I wish I could go to sleep and never wake up",
    "everyone would be better off without me",
    "I feel hopeless, nothing will ever get better",
    # past attempt without resolution
    "I tried to overdose two years ago",
    "I took 30 pills when I was 16",
    # abuse and someone else at risk
    "My husband shoves me around when he's angry",
    "my stepdad hits me with a belt",
    "my friend keeps saying she wants to die",
    "my dad beats my little brother",
]

NONE = [
    # idioms and hyperbole
    "this traffic is killing me",
    "I'm dying to see that film",
    "my boss will kill me if I'm late again lol",
    "we killed it at the gig",
    "I'm starving, what's for dinner",
    "my phone is dying",
    # negations
    "I'm not suicidal",
    "I would never hurt myself",
    "I don't want to die, I just want the pain to stop",
    # fiction, research, news
    "I'm writing a novel where the character kills himself",
    "we read a paper on suicide prevention in class",
    # past and resolved
    "I used to self harm but I've been clean for five years",
    "I attempted suicide a long time ago and I'm in a good place now",
    # everyday words that share a lexicon with risk
    "I bought a rope for rock climbing",
    "I took 2 ibuprofen for my headache",
    "I cut my finger chopping onions",
    "I'm going to cut my hair tonight",
    "we went to the bridge to take photos",
    "I'm going to jump on a call after this",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_messages_are_urgent(text):
    assert level(text) == "urgent"


@pytest.mark.parametrize("text", CONCERN)
def test_concern_messages_are_concern(text):
    assert level(text) == "concern"


@pytest.mark.parametrize("text", NONE)
def test_everyday_language_is_none(text):
    assert screen_text(text) == Screening("none", ())


@pytest.mark.parametrize(
    "text",
    ["im going 2 k1ll mys3lf", "K I L L MYSELF tonight", "i wanna k!ll myself 2nite", "s-u-i-c-i-d-e tonight"],
)
def test_leetspeak_and_spaced_letters_are_read_as_words(text):
    assert level(text) == "urgent"


@pytest.mark.parametrize("text", ["kms", "i want to unalive myself", "thinking about sewerslide", "i wanna diee"])
def test_slang_and_misspellings_are_at_least_concern(text):
    assert level(text) in {"concern", "urgent"}


def test_normalise_undoes_leetspeak_spacing_repeats_and_curly_quotes():
    # curly apostrophes become straight; quotation marks around words are dropped (round 3)
    assert normalise("K I L L mys3lf \u2019sooooo\u2019 don\u2019t") == "kill myself soo don't"
    # words that start with a digit are numbers, not leetspeak
    assert normalise("took 50mg at 4pm") == "took 50mg at 4pm"


def test_reasons_name_the_signal_and_quote_the_words():
    screening = screen_text("I want to kill myself and I've got my dad's gun")
    assert screening.level == "urgent"
    assert any("means at hand" in r and "my dad's gun" in r for r in screening.reasons)
    assert (
        "dangerous eating behaviour: 'making myself throw up'"
        in screen_text("I've been making myself throw up").reasons
    )


def test_a_timeframe_only_escalates_a_risk_in_the_same_or_next_sentence():
    assert level("I'm seeing my sister tonight.") == "none"
    assert level("I keep thinking about killing myself. Tonight.") == "urgent"


def test_past_act_with_a_resolution_is_none_and_without_is_concern():
    assert level("I overdosed years ago but therapy really helped and it's behind me") == "none"
    assert level("I overdosed last year") == "concern"


def test_third_party_danger_inside_fiction_is_none_but_real_third_party_risk_is_not():
    assert level("in the movie he's going to kill himself at the end") == "none"
    assert level("my brother says he wants to kill himself") == "concern"


@pytest.mark.parametrize("text", ["", "   ", "\n", "😀😀😀", "🙂 🔪"[:1], "¿Qué tal?", "今日はいい天気", "12345"])
def test_empty_emoji_and_foreign_text_are_none(text):
    assert screen_text(text) == Screening("none", ())


def test_unsupported_locale_screens_nothing_rather_than_failing():
    assert screen_text("I want to die", locale="xx-YY").level == "none"
    assert screen_text("I want to die", locale="en_GB").level == "concern"


@pytest.mark.parametrize("value", [None, 42, b"kill myself", ["kill myself"]])
def test_non_string_is_a_type_error(value):
    with pytest.raises(TypeError):
        screen_text(value)


def test_one_megabyte_of_repeated_trigger_finishes_with_bounded_reasons():
    screening = screen_text("kill myself " * 87_382)
    assert screening.level == "concern"
    assert len(screening.reasons) <= MAX_REASONS


def test_a_crisis_at_the_end_of_a_long_calm_letter_is_still_found():
    letter = "We walked in the park and the weather was fine. " * 21_000 + "I am going to kill myself tonight."
    assert len(letter) > 1_000_000
    assert level(letter) == "urgent"


def test_services_reexports_the_same_verb():
    assert services.screen_text is screen_text
    assert services.Screening is Screening


def test_as_dict_is_the_command_line_shape():
    assert screen_text("I feel hopeless").as_dict() == {"level": "concern", "reasons": ["hopelessness: 'hopeless'"]}


def _goals(name: str) -> dict[str, float]:
    figures, _errors = safety_eval.evaluate(safety_eval.load(DATA / name))
    return figures


def test_development_set_meets_the_three_goals():
    figures = _goals("eval_messages.jsonl")
    assert figures["messages"] >= 300
    assert figures["urgent_recall"] >= 0.95
    assert figures["concern_or_worse_recall"] >= 0.90
    assert figures["none_flagged_urgent"] < 0.05


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("dev2_messages.jsonl", 120),
        ("heldout_messages.jsonl", 120),
        ("reviewer_messages.jsonl", 90),
        ("blind1_messages.jsonl", 180),
    ],
)
def test_development_sets_are_classified_exactly(name, size):
    # heldout and reviewer became development data in the second round, blind1 in
    # the third (their misses were read and fixed), dev2 was written for the second
    # round: all are now classified without a mistake, so any regression fails.
    # They say nothing about unseen text: that is what blind2 and blind3 measured
    # (docs/safety-screening.md).
    figures = _goals(name)
    assert figures["messages"] >= size
    assert figures["urgent_recall"] == 1.0
    assert figures["concern_or_worse_recall"] == 1.0
    assert figures["none_flagged_urgent"] == 0.0
    assert all(scores["recall"] == 1.0 for scores in figures["per_level"].values())


# Second-round rule families: each with messages it must catch and near misses it must leave alone.
RULE_FAMILIES = {
    "harm to others": (
        [
            ("im gonna stab my flatmate when she gets in", "urgent"),
            ("I'm going to hurt the kids if he leaves me", "urgent"),
        ],
        [
            ("we're going to shoot the video tomorrow", "none"),
            ("I'm not going to hurt anyone, I just need to vent", "none"),
        ],
    ),
    "weapon taken somewhere, revenge": (
        [
            ("bringing my uncle's rifle to college on friday", "urgent"),
            ("I've got a knife and they'll all be sorry", "urgent"),
        ],
        [("they'll all be sorry they missed this party", "none"), ("I'm taking my knife set to the new flat", "none")],
    ),
    "danger from someone else now": (
        [("my ex is downstairs with an axe", "urgent"), ("he's got a knife and he's going to kill me", "urgent")],
        [
            ("my sister is going to kill me when she finds out I broke her phone", "none"),
            ("she's going to kill me if I'm late", "none"),
        ],
    ),
    "means at hand and resolve": (
        [
            ("the tablets are beside me and I'm going to take them all", "urgent"),
            ("blade in my hand, I'm doing it now", "urgent"),
        ],
        [
            ("I've got my meds, I'm going to take them tonight", "none"),
            ("I bought a knife and I'm going to use it to carve the turkey", "none"),
        ],
    ),
    "vehicles": (
        [("gonna swerve into a lorry on the way home", "urgent"), ("I'll crash the car on purpose", "urgent")],
        [
            ("I'm going to crash at my mum's tonight", "none"),
            ("a car hit me on my bike last year but I'm fine", "none"),
        ],
    ),
    "passive wishes and hopelessness": (
        [
            ("I'd be okay if I never woke up", "concern"),
            ("honestly whats the point", "concern"),
            ("I can't find a single reason to keep going", "concern"),
            ("im sick of being alive", "concern"),
            ("there's nothing left for me", "concern"),
        ],
        [
            ("I never wake up on time", "none"),
            ("what's the point of this meeting", "none"),
            ("there's nothing left in the fridge", "none"),
            ("I'm so tired of this job", "none"),
        ],
    ),
    "someone else self-harming or hurt": (
        [("My son told me he's been cutting", "concern"), ("my stepdad hits my mum", "concern")],
        [("she's been cutting her hair short", "none"), ("my dad beats my mum at chess every sunday", "none")],
    ),
    "dangerous restriction": (
        [
            ("I eat one meal every other day", "concern"),
            ("I haven't eaten in days", "concern"),
            ("nothing but black coffee since Tuesday", "concern"),
        ],
        [("I eat one meal a day during ramadan", "none"), ("I count calories and stay under 2000", "none")],
    ),
    "past-dated self-harm": (
        [("I cut myself on Saturday", "concern"), ("i'm going to cut myself on friday", "urgent")],
        [("I used to cut but I'm three years clean", "none")],
    ),
    "denials and answered questions": (
        [("my GP asked if I was suicidal and I said yes", "concern")],
        [
            ("I have no intention of hurting myself or anyone else", "none"),
            ("my GP asked if I was suicidal and I said no", "none"),
        ],
    ),
    "resolved past": (
        [("I tried to end things years ago", "concern")],
        [("I tried to end things years ago and I'm doing well now", "none")],
    ),
    "slang and misspellings": (
        [("ctb tonight", "urgent"), ("thinking about ctb", "concern"), ("i should just kys", "concern")],
        [("I'm going to catch the bus tonight", "none")],
    ),
    "own essay or course": (
        [("I'm writing an essay and I self-harm when I'm stressed", "concern")],
        [("I'm writing an essay on why teenagers self-harm", "none")],
    ),
    "bleeding": (
        [("I cut too deep and the blood won't stop", "urgent")],
        [("my nose was bleeding this morning", "none")],
    ),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [pair for positives, negatives in RULE_FAMILIES.values() for pair in positives + negatives],
)
def test_second_round_rule_families_and_their_near_misses(text, expected):
    assert level(text) == expected


# Third-round families (general phenomena behind the blind1 misses), each with near misses that must stay none.
THIRD_ROUND_FAMILIES = {
    "apostrophes typed or left out, quote marks": (
        [
            ("everyone would be better off if i wasnt around", "concern"),
            ("my friend says he's just 'tired of everything'", "concern"),
        ],
        [("i dont want to die, i want things to get better", "none")],
    ),
    "euphemisms and UK slang": (
        [("im going to top myself this weekend", "urgent"), ("gonna neck myself tonight", "urgent")],
        [("top up my phone tonight", "none")],
    ),
    "method and lethality questions": (
        [
            ("is 30 grams of ibuprofen lethal? need to know before tonight", "urgent"),
            ("how much tylenol does it take to shut down your liver", "urgent"),
            ("whats the most painless way to die", "urgent"),
        ],
        [("is this spider bite lethal? it's swollen", "none"), ("how much paracetamol can i take for a fever", "none")],
    ),
    "goodbyes and final arrangements, two together": (
        [
            ("this is goodbye. i've sorted my will and set a date", "urgent"),
            ("thank u for everything. this is the final msg you'll get from me", "urgent"),
        ],
        [
            ("thanks for everything today, i'll catch the bus home", "none"),
            ("we've set a date for the wedding!", "none"),
            ("i've decided. i'm taking the job", "none"),
        ],
    ),
    "means with a goodbye, resolve or no one to stop it, two sentences apart": (
        [
            ("im lying in the bath with a razor. water is warm. just wanted to say thx for everything", "urgent"),
            ("i checked in alone so nobody finds me. i brought every one of my meds", "urgent"),
        ],
        [
            ("no one can stop me now, i'm on a roll with this essay", "none"),
            ("i have loads of meds for my asthma", "none"),
        ],
    ),
    "acts and places": (
        [
            ("sitting on the edge of the car park roof", "urgent"),
            ("ive turned the gas on and shut the windows", "urgent"),
        ],
        [("we sat on the edge of the pier eating chips", "none"), ("i'm at the edge of my patience", "none")],
    ),
    "passive wishes phrased as conditions and comforts": (
        [
            ("if i died in my sleep tonight i'd be relieved", "concern"),
            ("the thought of not existing is really comforting", "concern"),
            ("everyone would be fine without me", "concern"),
        ],
        [
            ("the team will be fine without me while i'm on holiday", "none"),
            ("the idea of dying scares me", "none"),
            ("i want to disappear under my duvet all weekend", "none"),
        ],
    ),
    "hopelessness about the future": (
        [("nothing matters anymore", "concern"), ("the future just looks black", "concern")],
        [("nothing matters more than my kids", "none"), ("i can't picture myself at 30 with kids lol", "none")],
    ),
    "abuse: control, grooming, throwing things": (
        [
            ("he controls all the money and i'm not allowed to see my friends", "concern"),
            ("my coach told me to keep it our secret", "concern"),
            ("he threw a plate at me on saturday", "concern"),
        ],
        [
            ("she told me to keep the surprise party our little secret", "none"),
            ("my boss shouts at me when the printer jams haha", "none"),
        ],
    ),
    "someone else at risk, reported": (
        [
            ("my roommate keeps saying she 'won't be around much longer'", "concern"),
            ("my gf is talking about ending things", "concern"),
        ],
        [("my grandad used to talk about the war a lot", "none")],
    ),
    "dangerous eating in other words": (
        [("purged twice today", "concern"), ("i take like 30 dulcolax after i binge", "concern")],
        [("i'm fasting for ramadan so i eat after sunset", "none")],
    ),
    "idioms, resolved past, work frames": (
        [("relapsed. cut last night after 6 months clean", "concern")],
        [
            ("i overdosed on netflix this weekend", "none"),
            ("if my mum sees my room she'll kill me haha", "none"),
            ("i used to feel hopeless but therapy changed my life and i'm doing great now", "none"),
            ("i'm a nurse and we had a patient come in after an overdose today", "none"),
        ],
    ),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [pair for positives, negatives in THIRD_ROUND_FAMILIES.values() for pair in positives + negatives],
)
def test_third_round_rule_families_and_their_near_misses(text, expected):
    assert level(text) == expected


def test_missing_apostrophes_and_quote_marks_are_normalised():
    assert normalise("i dont think im ok, 'tired' of it") == "i don't think i'm ok, tired of it"


def test_a_relabelled_third_party_farewell_is_concern_not_urgent():
    screening = screen_text("my brother keeps saying he won't be around much longer")
    assert screening.level == "concern"


def test_typos_of_suicidal_and_myself_are_read():
    assert level("im suicidial") == "concern"
    assert level("gonna kil myslef tmrw") == "urgent"


def test_reasons_name_the_combination_of_resolve_and_means():
    screening = screen_text("I'm in the bath with a razor and I'm going to do it")
    assert screening.level == "urgent"
    assert any("means at hand" in r and "a razor" in r for r in screening.reasons)


def test_module_runs_as_a_line_filter():
    result = subprocess.run(
        [sys.executable, "-m", "confide.safety.screening"],
        input="I'm going to kill myself tonight\nthis traffic is killing me\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["level"] for line in lines] == ["urgent", "none"]
    assert lines[1]["reasons"] == []


def test_third_round_development_set_meets_the_goals():
    # dev3 was written before the round-3 rules (round-2 engine on it: urgent 0.48,
    # concern-or-worse 0.54); two urgent messages are still missed on purpose, because
    # no general rule covers them ("gonna find out for myself later", "tested the knot").
    figures = _goals("dev3_messages.jsonl")
    assert figures["messages"] >= 150
    assert figures["urgent_recall"] >= 0.95
    assert figures["concern_or_worse_recall"] == 1.0
    assert figures["none_flagged_urgent"] == 0.0
    assert figures["per_level"]["none"]["recall"] == 1.0


# The held-out set of round 3, written by someone who never saw the rules and dropped in by the lead.
# Spent: it judged round 3 (urgent recall 0.373, concern-or-worse 0.555, none flagged urgent 4.5 %) and was
# read as development data in round 5. The floors sit just under the round-5 figures (0.809 / 0.964 / 1.8 %;
# docs/safety-screening.md, "Round 5"), so a change that loses ground here fails.
BLIND2 = DATA / "blind2_messages.jsonl"
BLIND2_FLOOR = {"urgent_recall": 0.80, "concern_or_worse_recall": 0.96, "none_flagged_urgent_max": 0.02}


def _assert_floor(path, floor: dict, messages: int) -> dict:
    """A spent blind set's figures may only rise: recall at or above its floor, false alarms at or below."""
    figures = _goals(path.name)
    assert figures["messages"] == messages
    assert figures["urgent_recall"] >= floor["urgent_recall"]
    assert figures["concern_or_worse_recall"] >= floor["concern_or_worse_recall"]
    assert figures["none_flagged_urgent"] <= floor["none_flagged_urgent_max"]
    return figures


def test_blind_set_floor():
    _assert_floor(BLIND2, BLIND2_FLOOR, messages=330)


# The held-out set that judged round 3's rules and round 4's semantic layer, once, on 2026-11-23
# (BLIND3-README.md: urgent recall 0.427, concern counted as at-least-concern 0.500, none flagged urgent
# 3.6 %). In round 5 it became development data: its mistakes were read and the rules were tuned on it, so
# its figures now flatter the engine like every other development set. The floors sit just under the
# round-5 figures (0.891 / 0.955 / 1.8 %, none flagged at all 1.8 %).
BLIND3 = DATA / "blind3_messages.jsonl"
BLIND3_FLOOR = {"urgent_recall": 0.89, "concern_or_worse_recall": 0.95, "none_flagged_urgent_max": 0.02}


def test_blind3_floor():
    figures = _assert_floor(BLIND3, BLIND3_FLOOR, messages=330)
    assert figures["per_level"]["none"]["recall"] >= 0.98


# Written independently and judged round 5 once (BLIND4-README.md): 0.500 / 0.664 / 2.7 %. Development data
# since round 6 (its mistakes were read): the floor is round 6's figures rounded down (0.955 / 0.991 / 0.0 %),
# which flatter the engine like every development figure.
BLIND4 = DATA / "blind4_messages.jsonl"
BLIND4_FLOOR = {"urgent_recall": 0.95, "concern_or_worse_recall": 0.99, "none_flagged_urgent_max": 0.01}


def test_blind4_floor():
    _assert_floor(BLIND4, BLIND4_FLOOR, messages=330)


# Written independently (BLIND5-README.md) and judged round 6 once on 2026-11-24, with round 5 as the
# baseline: round 5 0.355 / 0.536 / 3.6 %, round 6 0.373 / 0.545 / 3.6 % (none flagged at all 8.2 %).
# Spent now: the floor only stops a later round from losing what round 6 scored on it. Reading its
# mistakes makes it development data; write a blind6 before judging again.
BLIND5 = DATA / "blind5_messages.jsonl"
BLIND5_FLOOR = {"urgent_recall": 0.37, "concern_or_worse_recall": 0.54, "none_flagged_urgent_max": 0.04}


def test_blind5_floor():
    _assert_floor(BLIND5, BLIND5_FLOOR, messages=330)
