"""Compact JSON text for the hot paths: every chat frame, every channel-layer event, every written-out insert.

Why: the standard library's encoder cost ~4 µs per chat frame and ~26 µs per
ten-row insert payload (a Python ``default`` call for each UUID and datetime);
a chat message is serialised four or five times on its way (the insert, the
event, the ack, the frame each reader gets), about a tenth of the chat server's
CPU (docs/performance.md). ``orjson`` writes the same JSON in a tenth of the time
and knows UUIDs and datetimes itself.

The text is the same JSON as ``json.dumps(obj, separators=(",", ":"))`` except
that non-ASCII characters are written as UTF-8 rather than ``\\uXXXX`` escapes
(both are valid JSON and read back to the same value). Where ``orjson`` refuses a
value the standard library accepts (a lone surrogate, an integer beyond 64 bits,
a dict with non-string keys), the standard library writes it: nothing that used
to be serialisable stops being so.

Not for the audit chain's digest (``privacy.audit.event_digest``): that text is
hashed, so its exact bytes are fixed forever.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import orjson


def dumps(value: Any) -> str:
    """``value`` as compact JSON text (UUIDs as strings, datetimes as ISO 8601)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, separators=(",", ":"), default=_plain)


def loads(text: str | bytes) -> Any:
    """Parse JSON text the platform wrote itself (e.g. a sealed channel-layer event); ``ValueError`` if not JSON.

    Client frames are parsed with the standard library instead: ``orjson`` reads
    integers beyond 64 bits as floats and refuses ``NaN`` and lone surrogates, and
    the chat protocol's answers to such frames are specified (docs/messaging.md).
    """
    return orjson.loads(text)


def storable(value: Any) -> bool:
    """Whether every string in a parsed JSON value (keys too) can be stored: valid Unicode, so UTF-8.

    JSON can carry half of a surrogate pair as an escape (``"\\ud800"``) and the
    standard library's parser keeps it in a ``str`` that cannot be encoded; the
    encryption of a PHI field or the database then fails long after validation.
    Callers refuse such input as bad input (the API's parser, the chat send path).
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    return True


def _plain(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
