"""Triage: intake answers and measures → online / hybrid / in-person recommendation.

The rules are data (``data/triage-rules.json``, documented in docs/triage.md);
:func:`evaluate` is a pure function, so each outcome is easy to test.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

from confide.intake.definitions import triage_rules

OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "in": lambda a, b: a in b,
}


@dataclass(frozen=True)
class Recommendation:
    outcome: str  # "online", "hybrid", "in_person"
    label: str
    reasons: list[str] = field(default_factory=list)  # for the therapist
    client_message: str = ""  # supportive, non-alarming
    rule_ids: list[str] = field(default_factory=list)


def facts_from(
    intake_answers: dict[str, Any] | None, measures: dict[str, Any], *, open_safety_level: str | None = None
) -> dict[str, Any]:
    """Flatten what triage looks at. ``measures``: latest complete ``phq9_total``, ``phq9_item9``, … .

    ``open_safety_level``: the highest level of the client's open safety events
    (``none`` / ``low`` / ``moderate`` / ``high``) — an unresolved risk outranks an
    older, calmer questionnaire.
    """
    answers = intake_answers or {}
    experiences = answers.get("experiences") or []
    if not isinstance(experiences, list):
        experiences = [experiences]
    return {
        "hospitalisation": answers.get("hospitalisation"),
        "psychosis_indicators": bool({"voices", "beliefs"} & set(experiences)),
        "mania_indicators": "high_energy" in experiences,
        "substance_regular": answers.get("drugs") == "regular" or answers.get("alcohol") == "4_plus_week",
        "phq9_total": measures.get("phq9_total"),
        "phq9_item9": measures.get("phq9_item9"),
        "gad7_total": measures.get("gad7_total"),
        "cssrs_risk": measures.get("cssrs_risk"),
        "open_safety_event": open_safety_level,
    }


def evaluate(facts: dict[str, Any], rules: dict[str, Any] | None = None) -> Recommendation:
    """The most cautious outcome among the rules that hold, with every reason that applies."""
    rules = rules or triage_rules()
    outcomes = rules["outcomes"]
    matched = [rule for rule in rules["rules"] if all(_holds(c, facts) for c in rule["when"])]
    outcome = max((r["outcome"] for r in matched), key=lambda o: outcomes[o]["rank"], default="online")
    return Recommendation(
        outcome=outcome,
        label=outcomes[outcome]["label"],
        reasons=[r["reason"] for r in matched],
        client_message=outcomes[outcome]["client"],
        rule_ids=[r["id"] for r in matched],
    )


def _holds(condition: dict[str, Any], facts: dict[str, Any]) -> bool:
    value = facts.get(condition["fact"])
    if value is None:
        return False  # unknown facts never trigger a rule (an unanswered measure is not a low score)
    try:
        return bool(OPS[condition["op"]](value, condition["value"]))
    except TypeError:
        return False
