"""Crisis resources by country: lookups, subdivision codes, the default, and the reviewed table."""

import json

import pytest

from confide.safety.resources import DATA_FILE, CrisisResources, country_code, crisis_resources_for, known_countries


def numbers(resources: CrisisResources) -> set[str]:
    return {n for line in resources.lines for n in (line.phone, line.text) if n}


@pytest.mark.parametrize(
    ("code", "emergency", "line"),
    [
        ("US", "911", "988"),
        ("CA", "911", "988"),
        ("GB", "999", "116 123"),
        ("IE", "112", "116 123"),
        ("AU", "000", "13 11 14"),
        ("NZ", "111", "1737"),
        ("DE", "112", "0800 111 0 111"),
        ("FR", "112", "3114"),
        ("ES", "112", "024"),
        ("NL", "112", "113"),
    ],
)
def test_known_countries_have_their_crisis_line_and_emergency_number(code, emergency, line):
    resources = crisis_resources_for(code)
    assert resources.country == code
    assert emergency in resources.emergency
    assert line in numbers(resources)


def test_us_988_takes_calls_and_texts():
    line = crisis_resources_for("US").lines[0]
    assert (line.phone, line.text) == ("988", "988")


def test_netherlands_lists_the_free_number_too():
    assert {"113", "0800-0113"} <= numbers(crisis_resources_for("NL"))


@pytest.mark.parametrize("code", ["US-NY", "us-ny", "us", " US ", "us_ca"])
def test_subdivision_and_lowercase_codes_resolve_to_the_country(code):
    assert crisis_resources_for(code).country == "US"


@pytest.mark.parametrize("code", ["", None, "ZZ", "???", "<script>", "USA", "1"])
def test_unknown_or_empty_codes_get_the_default(code):
    resources = crisis_resources_for(code)
    assert resources.is_default
    assert resources.emergency and resources.advice
    assert resources.lines[0].url.startswith("https://")


@pytest.mark.parametrize("code", ["PT", "JP", "ZA", "FI", "BE", "MX"])
def test_unverified_countries_were_removed_and_fall_back_to_the_default(code):
    assert code not in known_countries()
    assert crisis_resources_for(code).is_default


def test_country_code_keeps_only_a_two_letter_country():
    assert country_code("gb-eng") == "GB"
    assert country_code("") == ""
    assert country_code("12") == ""


def test_every_entry_has_an_emergency_number_and_a_reachable_line():
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for code in raw["countries"]:
        resources = crisis_resources_for(code)
        assert resources.emergency, code
        assert resources.lines and all(line.phone or line.text or line.url for line in resources.lines), code
        assert resources.advice, code
