"""Crisis lines and emergency numbers by country, read from data/crisis_resources.json.

The table is data, not code (DESIGN.md §5): adding a country or correcting a
number is an edit to the JSON file. Only numbers checked against the services'
own sites belong there; an unknown country gets the default entry, which
points to the local emergency number and an international helpline directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "crisis_resources.json"


@dataclass(frozen=True)
class CrisisLine:
    """One helpline: how to reach it (phone, text, web) and when."""

    name: str
    phone: str | None = None
    text: str | None = None
    url: str | None = None
    hours: str = ""
    notes: str = ""


@dataclass(frozen=True)
class CrisisResources:
    """What a person in a given country can call right now; `country` is empty for the default."""

    country: str
    name: str
    emergency: tuple[str, ...]
    lines: tuple[CrisisLine, ...]
    advice: str = ""

    @property
    def is_default(self) -> bool:
        """True when we hold nothing for the requested country and fell back to the general advice."""
        return not self.country


@cache
def _table() -> tuple[dict, dict[str, CrisisResources]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    default = raw["default"]
    countries = {code: _entry(code, entry, default) for code, entry in raw["countries"].items()}
    return default, countries


def _entry(code: str, entry: dict, default: dict) -> CrisisResources:
    return CrisisResources(
        country=code,
        name=entry.get("name", ""),
        emergency=tuple(entry.get("emergency") or default["emergency"]),
        lines=tuple(CrisisLine(**line) for line in entry.get("lines", [])),
        advice=entry.get("advice", default.get("advice", "")),
    )


def country_code(code: str | None) -> str:
    """ISO 3166-1 alpha-2 part of a country or subdivision code: "us-ny" -> "US", junk -> ""."""
    country = (code or "").strip().replace("_", "-").split("-")[0].upper()
    return country if len(country) == 2 and country.isalpha() else ""


def crisis_resources_for(code: str | None) -> CrisisResources:
    """Crisis resources for a country ("GB") or subdivision ("US-NY", any case); the default when unknown."""
    default, countries = _table()
    found = countries.get(country_code(code))
    return found if found is not None else _entry("", default, default)


def known_countries() -> tuple[str, ...]:
    """The country codes the table holds, sorted."""
    return tuple(sorted(_table()[1]))
