"""The key ring for PHI encryption, parsed from CONFIDE_DATA_KEYS.

Format: ``id:base64key[,id:base64key...]``. The first key encrypts; every key
decrypts. Rotation = put a new key first, keep the old ones until
``manage.py rotate_data_keys`` has re-encrypted everything, then drop them.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(f"data key {key_id!r} is not in CONFIDE_DATA_KEYS") from None


class UnknownKeyError(Exception):
    """A ciphertext names a key the operator no longer configures."""


def new_key_entry(key_id: str | None = None) -> str:
    """Return a fresh ``id:base64key`` entry (the id defaults to today's date)."""
    key_id = key_id or "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def parse_key_ring(raw: str) -> KeyRing:
    """Parse and validate the setting; every mistake names the bad entry."""
    entries = [item.strip() for item in raw.split(",") if item.strip()]
    if not entries:
        raise ImproperlyConfigured("CONFIDE_DATA_KEYS is empty")
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, key = _parse_entry(entry)
        if key_id in keys:
            raise ImproperlyConfigured(f"CONFIDE_DATA_KEYS lists key id {key_id!r} twice")
        keys[key_id] = key
    return KeyRing(current_id=next(iter(keys)), keys=keys)


def _parse_entry(entry: str) -> tuple[str, bytes]:
    key_id, sep, encoded = entry.partition(":")
    if not sep or not KEY_ID_PATTERN.match(key_id):
        raise ImproperlyConfigured("CONFIDE_DATA_KEYS entries look like id:base64key (id of letters, digits, _ or -)")
    try:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"CONFIDE_DATA_KEYS key {key_id!r} is not base64") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"CONFIDE_DATA_KEYS key {key_id!r} must be 32 bytes (AES-256)")
    return key_id, key


@lru_cache(maxsize=4)
def _ring_for(raw: str) -> KeyRing:
    return parse_key_ring(raw)


def key_ring() -> KeyRing:
    """The configured ring; cached per setting value so tests can swap keys."""
    from django.conf import settings

    return _ring_for(settings.DATA_KEYS)
