"""The hot paths' JSON text: the same values as the standard library, for every value it accepts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.core import jsontext

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_any_value_reads_back_as_the_standard_library_reads_its_own_text(value):
    text = jsontext.dumps(value)
    assert json.loads(text) == json.loads(json.dumps(value))


def test_ascii_text_is_byte_for_byte_the_compact_standard_form():
    frame = {"type": "message", "seq": 3, "body": "see you \"tomorrow\"\n", "edited_at": None, "attachments": []}
    assert jsontext.dumps(frame) == json.dumps(frame, separators=(",", ":"))


def test_uuids_and_datetimes_are_written_as_the_insert_path_needs():
    pk, at = uuid.uuid4(), datetime(2026, 11, 24, 7, 30, 5, 120000, tzinfo=UTC)
    assert json.loads(jsontext.dumps({"id": pk, "at": at})) == {"id": str(pk), "at": at.isoformat()}


@pytest.mark.parametrize(
    "value",
    [{"key": "\ud800"}, {"n": 2**70}, {1: "non-string key"}],
    ids=["lone surrogate", "integer beyond 64 bits", "integer key"],
)
def test_what_orjson_refuses_is_still_written_by_the_standard_library(value):
    assert jsontext.dumps(value) == json.dumps(value, separators=(",", ":"))


def test_an_unknown_type_is_still_an_error():
    with pytest.raises(TypeError):
        jsontext.dumps({"x": object()})


@given(json_values)
def test_its_own_text_reads_back_to_the_value(value):
    assert jsontext.loads(jsontext.dumps(value)) == value


@pytest.mark.parametrize("text", ["{", "", '{"a":1}x'])
def test_text_that_is_not_json_is_a_value_error(text):
    with pytest.raises(ValueError):
        jsontext.loads(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"body": "see you \U0001f600", "n": [1, None, True]}, True),
        ({"body": "half \ud800"}, False),
        ({"\udfff": "key"}, False),
        ([["deep", ["\ud800"]]], False),
    ],
    ids=["ordinary", "in a value", "in a key", "nested"],
)
def test_storable_finds_half_a_surrogate_pair_anywhere(value, expected):
    assert jsontext.storable(value) is expected
