"""AES-GCM encryption of PHI: round trip, key ids, rotation, tampering."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from confide.privacy.crypto import DecryptionError, decrypt_bytes, decrypt_text, encrypt_bytes, encrypt_text, key_id_of
from confide.privacy.keys import UnknownKeyError, new_key_entry, parse_key_ring

OLD = new_key_entry("old")
NEW = new_key_entry("new")


def test_text_round_trips_and_names_its_key():
    ring = parse_key_ring(OLD)
    token = encrypt_text("I have been feeling low", context="intake.answer", ring=ring)
    assert token.startswith("enc1:old:")
    assert "feeling" not in token
    assert decrypt_text(token, context="intake.answer", ring=ring) == "I have been feeling low"


def test_same_plaintext_encrypts_differently_each_time():
    ring = parse_key_ring(OLD)
    assert encrypt_text("same", context="c", ring=ring) != encrypt_text("same", context="c", ring=ring)


def test_unicode_and_empty_text_round_trip():
    ring = parse_key_ring(OLD)
    for text in ["", "Ünïcødé — 心理 🙂", "x" * 100_000]:
        assert decrypt_text(encrypt_text(text, context="c", ring=ring), context="c", ring=ring) == text


def test_tampered_ciphertext_is_rejected():
    ring = parse_key_ring(OLD)
    token = encrypt_text("secret", context="c", ring=ring)
    prefix, body = token.rsplit(":", 1)
    flipped = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
    with pytest.raises(DecryptionError):
        decrypt_text(f"{prefix}:{flipped}", context="c", ring=ring)


def test_value_moved_to_another_column_does_not_decrypt():
    ring = parse_key_ring(OLD)
    token = encrypt_text("secret", context="accounts.clientprofile.legal_name", ring=ring)
    with pytest.raises(DecryptionError):
        decrypt_text(token, context="accounts.clientprofile.jurisdiction", ring=ring)


def test_old_key_still_decrypts_after_a_new_key_is_added_first():
    token = encrypt_text("secret", context="c", ring=parse_key_ring(OLD))
    rotated = parse_key_ring(f"{NEW},{OLD}")
    assert rotated.current_id == "new"
    assert decrypt_text(token, context="c", ring=rotated) == "secret"
    assert key_id_of(encrypt_text("secret", context="c", ring=rotated)) == "new"


def test_dropped_key_gives_a_clear_error():
    token = encrypt_text("secret", context="c", ring=parse_key_ring(OLD))
    with pytest.raises(UnknownKeyError, match="old"):
        decrypt_text(token, context="c", ring=parse_key_ring(NEW))


def test_bytes_round_trip_for_files():
    ring = parse_key_ring(OLD)
    sealed = encrypt_bytes(b"%PDF-1.7 worksheet", context="f", ring=ring)
    assert b"worksheet" not in sealed
    assert decrypt_bytes(sealed, context="f", ring=ring) == b"%PDF-1.7 worksheet"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("nocolon", "id:base64key"),
        ("bad id!:AAAA", "id:base64key"),
        ("k1:!!!notbase64", "not base64"),
        ("k1:AAAA", "32 bytes"),
        (f"{OLD},{OLD}", "twice"),
    ],
)
def test_bad_key_configuration_is_refused_with_a_reason(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_key_ring(raw)
