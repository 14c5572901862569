"""PHI is ciphertext in the database: read with raw SQL, not the ORM."""

import pytest
from django.db import connection

from confide.accounts.models import ClientProfile
from confide.privacy.keys import new_key_entry
from confide.privacy.rotation import rotate_all

pytestmark = pytest.mark.django_db


def _raw_profile_row(user_id) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_name, date_of_birth, jurisdiction FROM accounts_clientprofile WHERE user_id = %s",
            [ClientProfile._meta.pk.get_db_prep_value(user_id, connection)],
        )
        return cursor.fetchone()


def _everything_in_database() -> str:
    """Every text value of every table, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(chunks)


def test_client_identity_is_not_stored_in_plaintext(client_user):
    profile = client_user.client_profile
    profile.legal_name = "Margaret Oyelaran-Whitfield"
    profile.date_of_birth = "1987-04-12"
    profile.save()
    raw = _raw_profile_row(client_user.pk)
    assert all(value.startswith("enc1:") for value in raw)
    dump = _everything_in_database()
    assert "Oyelaran" not in dump
    assert "1987-04-12" not in dump
    assert "US-NY" not in dump  # location is PHI too
    profile.refresh_from_db()
    assert profile.legal_name == "Margaret Oyelaran-Whitfield"


def test_totp_secrets_are_encrypted(therapist):
    assert therapist._totp_secret not in _everything_in_database()


def test_encrypted_fields_refuse_content_lookups(client_user):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(ClientProfile.objects.filter(legal_name="x"))
    assert ClientProfile.objects.filter(legal_name__isnull=False).count() == 1


def test_rotation_re_encrypts_every_value_under_the_newest_key(settings, client_user, other_client):
    old_ring = settings.DATA_KEYS
    client_user.client_profile.legal_name = "Casey Example"
    client_user.client_profile.save()
    settings.DATA_KEYS = f"{new_key_entry('fresh')},{old_ring}"

    report = rotate_all(batch_size=1)

    assert report.rewritten >= 6  # 3 columns x 2 clients
    for user in (client_user, other_client):
        assert all(value.startswith("enc1:fresh:") for value in _raw_profile_row(user.pk))
    settings.DATA_KEYS = settings.DATA_KEYS.split(",")[0]  # the old key is gone now
    client_user.client_profile.refresh_from_db()
    assert client_user.client_profile.legal_name == "Casey Example"


def test_rotation_is_resumable_after_interruption(settings, client_user, other_client, monkeypatch):
    from confide.privacy import rotation

    settings.DATA_KEYS = f"{new_key_entry('fresh')},{settings.DATA_KEYS}"
    calls = {"n": 0}
    real_update = rotation._raw_update

    def crash_after_two(*args):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real_update(*args)

    monkeypatch.setattr(rotation, "_raw_update", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        rotate_all(batch_size=1)
    monkeypatch.setattr(rotation, "_raw_update", real_update)

    second = rotate_all(batch_size=1)

    assert second.already_current >= 2  # the values rotated before the crash are skipped
    for user in (client_user, other_client):
        assert all(value.startswith("enc1:fresh:") for value in _raw_profile_row(user.pk))


def test_rotate_data_keys_command_reports_counts(settings, client_user, capsys):
    from django.core.management import call_command

    settings.DATA_KEYS = f"{new_key_entry('cmd')},{settings.DATA_KEYS}"
    call_command("rotate_data_keys")
    assert "re-encrypted" in capsys.readouterr().out
    assert all(value.startswith("enc1:cmd:") for value in _raw_profile_row(client_user.pk))


def test_encrypted_file_storage_keeps_ciphertext_on_disk(settings, tmp_path):
    from django.core.files.base import ContentFile

    from confide.privacy.storage import EncryptedFileSystemStorage

    storage = EncryptedFileSystemStorage(location=str(tmp_path))
    name = storage.save("attachments/my-diagnosis.pdf", ContentFile(b"%PDF private worksheet"))
    assert "diagnosis" not in name
    assert b"private" not in (tmp_path / name).read_bytes()
    assert storage.open(name).read() == b"%PDF private worksheet"
