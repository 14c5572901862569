"""Re-encrypt every PHI value under the newest data key.

Resumable and safe to interrupt: rows are visited in primary-key order in small
batches, each batch commits on its own, and a row already under the current key
is skipped. Stopping half way leaves every value readable (old keys still
decrypt), and running again continues where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from confide.privacy.crypto import decrypt_text, encrypt_text, key_id_of
from confide.privacy.fields import EncryptedField, encrypted_fields
from confide.privacy.keys import key_ring


@dataclass
class RotationReport:
    rewritten: int = 0
    already_current: int = 0
    files_rewritten: int = 0
    per_column: dict[str, int] = field(default_factory=dict)


def rotate_all(batch_size: int = 500, progress: Callable[[str], None] | None = None) -> RotationReport:
    report = RotationReport()
    for column in _columns():
        _rotate_column(column, batch_size, report)
        if progress:
            progress(f"{column.crypto_context}: {report.per_column.get(column.crypto_context, 0)} rewritten")
    report.files_rewritten = rotate_files()
    return report


def _columns() -> Iterable[EncryptedField]:
    seen = set()
    for column in encrypted_fields():
        if column.crypto_context not in seen and not column.model._meta.proxy:
            seen.add(column.crypto_context)
            yield column


def _rotate_column(column: EncryptedField, batch_size: int, report: RotationReport) -> None:
    model, name, current = column.model, column.name, key_ring().current_id
    last_pk = None
    while True:
        rows = _raw_batch(model, name, last_pk, batch_size)
        if not rows:
            return
        with transaction.atomic():
            for pk, stored in rows:
                if stored is None or key_id_of(stored) == current:
                    report.already_current += 1
                    continue
                plain = decrypt_text(stored, context=column.crypto_context)
                fresh = encrypt_text(plain, context=column.crypto_context)
                # Compare-and-set: a concurrent edit since we read wins, and is
                # already under the current key anyway.
                count = _raw_update(model, column, pk, stored, fresh)
                report.rewritten += count
                report.per_column[column.crypto_context] = report.per_column.get(column.crypto_context, 0) + count
        last_pk = rows[-1][0]


def _raw_batch(model, attname: str, last_pk, batch_size: int) -> list[tuple]:
    """Stored ciphertext, bypassing the field's decryption."""
    from django.db import connection

    table, pk_col = connection.ops.quote_name(model._meta.db_table), model._meta.pk.column
    col = model._meta.get_field(attname).column
    where = f"WHERE {connection.ops.quote_name(pk_col)} > %s" if last_pk is not None else ""
    sql = (
        f"SELECT {connection.ops.quote_name(pk_col)}, {connection.ops.quote_name(col)} FROM {table} "  # noqa: S608
        f"{where} ORDER BY {connection.ops.quote_name(pk_col)} LIMIT %s"
    )
    params = ([_pk_param(model, last_pk)] if last_pk is not None else []) + [batch_size]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(model._meta.pk.to_python(pk), value) for pk, value in cursor.fetchall()]


def _pk_param(model, pk):
    from django.db import connection

    return model._meta.pk.get_db_prep_value(pk, connection)


def _raw_update(model, column, pk, old: str, new: str) -> int:
    from django.db import connection

    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(model._meta.db_table)} SET {q(column.column)} = %s "  # noqa: S608
        f"WHERE {q(model._meta.pk.column)} = %s AND {q(column.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [new, _pk_param(model, pk), old])
        return cursor.rowcount


def rotate_files() -> int:
    """Re-encrypt files in the encrypted storage area (each replaced atomically)."""

    from confide.privacy.crypto import decrypt_bytes, encrypt_bytes
    from confide.privacy.storage import CONTEXT, EncryptedFileSystemStorage

    storage, current, count = EncryptedFileSystemStorage(), key_ring().current_id, 0
    root = Path(storage.location)
    if not root.exists():
        return 0
    for path in sorted(root.rglob("*.bin")):
        name = str(path.relative_to(root))
        sealed = storage.read_raw(name)
        if key_id_of(sealed) == current:
            continue
        storage.replace_raw(name, encrypt_bytes(decrypt_bytes(sealed, context=CONTEXT), context=CONTEXT))
        count += 1
    return count
