"""Questionnaire definitions, loaded from versioned JSON files in ``intake/data/``.

A stored response names the definition version it answered (``intake-v1``,
``phq9-en-1``), so a later edit of the wording becomes a new file and version
and never changes what an old answer meant.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
INSTRUMENTS = ("phq9", "gad7", "cssrs")
CURRENT_INTAKE = "intake-v1"


@cache
def instrument(key: str) -> dict[str, Any]:
    """The current definition of a measure (``phq9``, ``gad7``, ``cssrs``)."""
    if key not in INSTRUMENTS:
        raise KeyError(key)
    return json.loads((DATA / "instruments" / f"{key}.json").read_text(encoding="utf-8"))


@cache
def intake_questionnaire(version: str = CURRENT_INTAKE) -> dict[str, Any]:
    if not version.replace("-", "").isalnum():
        raise KeyError(version)
    return json.loads((DATA / f"{version}.json").read_text(encoding="utf-8"))


def intake_questions(version: str = CURRENT_INTAKE) -> list[dict[str, Any]]:
    return [q for section in intake_questionnaire(version)["sections"] for q in section["questions"]]


@cache
def triage_rules() -> dict[str, Any]:
    return json.loads((DATA / "triage-rules.json").read_text(encoding="utf-8"))
