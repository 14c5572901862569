"""AES-256-GCM encryption of PHI values.

A stored value looks like ``enc1:<key id>:<base64(nonce || ciphertext+tag)>``.
The key id travels inside the value so that keys can be rotated row by row.
The associated data binds a ciphertext to its column ("app.model.field"), so a
value copied into another column fails to decrypt instead of being misread.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.privacy.keys import KeyRing, key_ring

PREFIX = "enc1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value was tampered with, is bound to another column, or its key is gone."""


def encrypt_bytes(plaintext: bytes, *, context: str, ring: KeyRing | None = None) -> bytes:
    """Encrypt raw bytes under the current key; returns key-id-prefixed bytes."""
    ring = ring or key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.key(ring.current_id)).encrypt(nonce, plaintext, context.encode())
    return f"{PREFIX}:{ring.current_id}:".encode() + nonce + sealed


def decrypt_bytes(token: bytes, *, context: str, ring: KeyRing | None = None) -> bytes:
    ring = ring or key_ring()
    key_id, body = _split_bytes(token)
    nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
    try:
        return AESGCM(ring.key(key_id)).decrypt(nonce, sealed, context.encode())
    except InvalidTag:
        raise DecryptionError(f"value for {context} failed authentication") from None


def encrypt_text(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    """Encrypt text for a text column (ASCII-safe)."""
    ring = ring or key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.key(ring.current_id)).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    body = base64.urlsafe_b64encode(nonce + sealed).decode()
    return f"{PREFIX}:{ring.current_id}:{body}"


def decrypt_text(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    key_id, body = split_token(token)
    try:
        raw = base64.urlsafe_b64decode(body)
    except ValueError:
        raise DecryptionError(f"value for {context} is not valid base64") from None
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        return AESGCM(ring.key(key_id)).decrypt(nonce, sealed, context.encode()).decode("utf-8")
    except InvalidTag:
        raise DecryptionError(f"value for {context} failed authentication") from None


def split_token(token: str) -> tuple[str, str]:
    """Return (key id, body) of a stored text value."""
    prefix, _, rest = token.partition(":")
    key_id, _, body = rest.partition(":")
    if prefix != PREFIX or not key_id or not body:
        raise DecryptionError("value is not a Confide ciphertext")
    return key_id, body


def key_id_of(token: str | bytes) -> str:
    """The key id a stored value was encrypted with (used by rotation)."""
    if isinstance(token, bytes):
        return _split_bytes(token)[0]
    return split_token(token)[0]


def _split_bytes(token: bytes) -> tuple[str, bytes]:
    head = token[:64]
    parts = head.split(b":", 2)
    if len(parts) < 3 or parts[0] != PREFIX.encode():
        raise DecryptionError("file is not a Confide ciphertext")
    key_id = parts[1].decode("ascii", "replace")
    offset = len(parts[0]) + len(parts[1]) + 2
    return key_id, token[offset:]
