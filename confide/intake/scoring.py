"""Scoring of standard measures — pure functions over answers and the definition.

An answer set is a dict ``{"q1": 0..3, …}``. Only a complete set is scored:
anything missing or out of range gives ``None``, never a partial total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from confide.intake.definitions import instrument


@dataclass(frozen=True)
class Score:
    total: int
    band: str  # key, e.g. "moderately_severe"
    band_label: str
    safety_item: int | None  # PHQ-9 item 9 value, None for measures without one


@dataclass(frozen=True)
class Change:
    baseline: int
    latest: int
    delta: int  # latest - baseline (negative = fewer symptoms)
    reliable: bool  # |delta| ≥ the measure's reliable-change threshold
    direction: str  # "improved", "worse", "no reliable change"


def item_values(definition: dict[str, Any]) -> set[int]:
    return {int(option["value"]) for option in definition["options"]}


def applicable_items(definition: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """Item ids that must be answered, following skip logic (``ask_if``)."""
    items = []
    for item in definition["items"]:
        condition = item.get("ask_if") or {}
        if all(_as_int(answers.get(k)) == v for k, v in condition.items()):
            items.append(item["id"])
    return items


def missing_items(definition: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    allowed = item_values(definition)
    return [i for i in applicable_items(definition, answers) if _as_int(answers.get(i)) not in allowed]


def clean_answers(definition: dict[str, Any], raw: dict[str, Any]) -> dict[str, int]:
    """Keep only known items and extras with allowed values (drops skipped items)."""
    cleaned: dict[str, int] = {}
    for item in definition["items"]:
        value = _as_int(raw.get(item["id"]))
        if value in item_values(definition):
            cleaned[item["id"]] = value
    for extra in definition.get("extra", []):
        value = _as_int(raw.get(extra["id"]))
        if value in {int(o["value"]) for o in extra["options"]}:
            cleaned[extra["id"]] = value
    applicable = set(applicable_items(definition, cleaned))
    item_ids = {item["id"] for item in definition["items"]}
    return {k: v for k, v in cleaned.items() if k in applicable or k not in item_ids}


def score(key: str, answers: dict[str, Any]) -> Score | None:
    """Total and severity band of a complete PHQ-9 / GAD-7; None if anything is missing."""
    definition = instrument(key)
    if "bands" not in definition or missing_items(definition, answers):
        return None
    total = sum(int(answers[item["id"]]) for item in definition["items"])
    band = band_for(key, total)
    safety_item = definition.get("safety_item")
    return Score(total, band["key"], band["label"], int(answers[safety_item]) if safety_item else None)


def band_for(key: str, total: int) -> dict[str, Any]:
    for band in instrument(key)["bands"]:
        if band["min"] <= total <= band["max"]:
            return band
    raise ValueError(f"{key} total {total} is outside 0–{instrument(key)['max_total']}")


def cssrs_risk(answers: dict[str, Any]) -> str | None:
    """C-SSRS screener (since last contact) → "none" / "low" / "moderate" / "high"; None if incomplete."""
    definition = instrument("cssrs")
    if missing_items(definition, answers):
        return None
    yes = {i for i in applicable_items(definition, answers) if _as_int(answers.get(i)) == 1}
    for rule in definition["risk"]:
        if yes & set(rule["if_yes_any"]):
            return rule["level"]
    return "none"


def change_since_baseline(key: str, totals: list[int]) -> Change | None:
    """Compare the latest total with the first (the baseline); None with fewer than two."""
    if len(totals) < 2:
        return None
    baseline, latest = totals[0], totals[-1]
    delta = latest - baseline
    reliable = abs(delta) >= instrument(key)["reliable_change"]
    direction = "no reliable change" if not reliable else ("improved" if delta < 0 else "worse")
    return Change(baseline, latest, delta, reliable, direction)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) < 4:
        return int(value.strip())
    return None
