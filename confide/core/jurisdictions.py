"""Jurisdictions are ISO 3166 codes: a country (``DE``) or a subdivision (``US-NY``).

Licensure, crisis resources and booking rules all key on them, so they are
validated and normalised in exactly one place.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError


@lru_cache(maxsize=4096)
def normalise_jurisdiction(code: str) -> str:
    """Upper-case and validate; raises ValidationError with a readable message."""
    cleaned = (code or "").strip().upper().replace("_", "-")
    if not cleaned:
        raise ValidationError("Choose where you are (a country, or a state such as US-NY).")
    if "-" in cleaned:
        if pycountry.subdivisions.get(code=cleaned) is None:
            raise ValidationError(f"{code!r} is not a known state or region code (e.g. US-NY, CA-ON).")
        return cleaned
    if pycountry.countries.get(alpha_2=cleaned) is None:
        raise ValidationError(f"{code!r} is not a known country code (e.g. US, DE, GB).")
    return cleaned


def country_of(code: str) -> str:
    """``US-NY`` → ``US``; ``DE`` → ``DE``."""
    return normalise_jurisdiction(code).split("-")[0]


@lru_cache(maxsize=4096)
def jurisdiction_name(code: str) -> str:
    """A person-readable name: ``US-NY`` → ``New York, United States``."""
    try:
        code = normalise_jurisdiction(code)
    except ValidationError:
        return code
    country = pycountry.countries.get(alpha_2=code.split("-")[0])
    assert country is not None  # normalise_jurisdiction checked it
    if "-" not in code:
        return getattr(country, "common_name", None) or country.name
    sub = pycountry.subdivisions.get(code=code)
    return f"{sub.name}, {getattr(country, 'common_name', None) or country.name}"


@lru_cache(maxsize=1)
def jurisdiction_choices() -> list[tuple[str, str]]:
    """Countries plus US states and Canadian/Australian subdivisions, for forms."""
    choices = [(c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    for country in ("US", "CA", "AU"):
        subs = pycountry.subdivisions.get(country_code=country) or []
        choices += [(s.code, jurisdiction_name(s.code)) for s in subs]
    return sorted(choices, key=lambda item: item[1])
