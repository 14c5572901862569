"""The chat send path's statements, written out (docs/messaging.md, "Group commit").

Why raw SQL here and nowhere else: building these queries with the ORM cost
more CPU than everything else a chat message needs (profiled: ~7 ms per burst
of query construction against ~1 ms of work), and every burst pays it while
the conversations are locked. The statements are few and fixed; each has an
ORM twin in the tests (tests/test_sendsql.py) that checks it returns the same.

Identifiers come from the models' metadata (never from input); values are
always parameters, converted by the fields for the database in use (UUIDs are
native on PostgreSQL and 32 hex digits on SQLite).
"""

from __future__ import annotations

import uuid

from django.db import connection

from confide.accounts.models import CareRelationship
from confide.messaging.models import Conversation, Message, ReadState

CONVERSATION = Conversation._meta.db_table
MESSAGE = Message._meta.db_table
CARE = CareRelationship._meta.db_table
READ_STATE = ReadState._meta.db_table


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _ids(values) -> list:
    pk = Conversation._meta.pk
    return [pk.get_db_prep_value(v, connection) for v in values]


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def _for_update() -> str:
    """PostgreSQL locks the rows; SQLite's IMMEDIATE transaction already holds the one write lock."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def lock_conversations(conversation_ids: list) -> dict[uuid.UUID, tuple[int, bool]]:
    """Lock the conversations in id order; id → (last_seq, whether the pair's care is active)."""
    ids = sorted(set(conversation_ids))
    sql = (
        f"SELECT c.id, c.last_seq, EXISTS (SELECT 1 FROM {CARE} r"  # noqa: S608 — table names from model metadata
        " WHERE r.client_id = c.client_id AND r.therapist_id = c.therapist_id AND r.status = %s)"
        f" FROM {CONVERSATION} c WHERE c.id IN ({_marks(len(ids))}) ORDER BY c.id{_for_update()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [CareRelationship.Status.ACTIVE, *_ids(ids)])
        return {_uuid(pk): (int(seq), bool(active)) for pk, seq, active in cursor.fetchall()}


def existing_keys(conversation_ids, keys) -> dict[tuple, uuid.UUID]:
    """(conversation id, sender id, key) → message id, for keys already stored (retries)."""
    conv_ids, keys = sorted(set(conversation_ids)), sorted(set(keys))
    sql = (
        f"SELECT conversation_id, sender_id, idempotency_key, id FROM {MESSAGE}"  # noqa: S608 — see module docstring
        f" WHERE conversation_id IN ({_marks(len(conv_ids))}) AND idempotency_key IN ({_marks(len(keys))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_ids(conv_ids), *keys])
        return {(_uuid(c), _uuid(s), k): _uuid(pk) for c, s, k, pk in cursor.fetchall()}


def lock_read_states(conversation_ids) -> list[tuple[uuid.UUID, uuid.UUID, bool, int, int]]:
    """Lock the read states of these conversations: (conversation, user, notice_pending, notified, last_read)."""
    ids = sorted(set(conversation_ids))
    sql = (
        f"SELECT conversation_id, user_id, notice_pending, notified_seq, last_read_seq FROM {READ_STATE}"  # noqa: S608
        f" WHERE conversation_id IN ({_marks(len(ids))}) ORDER BY id{_for_update()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _ids(ids))
        return [(_uuid(c), _uuid(u), bool(p), int(n), int(r)) for c, u, p, n, r in cursor.fetchall()]


def save_counters(rows: list[tuple[uuid.UUID, int, object]]) -> None:
    """Move each conversation's ``last_seq`` on: one statement, all rows sent at once (pipelined on PostgreSQL)."""
    sql = f"UPDATE {CONVERSATION} SET last_seq = %s, last_message_at = %s, updated_at = %s WHERE id = %s"  # noqa: S608
    params = []
    for pk, last_seq, moment in rows:
        stamp = connection.ops.adapt_datetimefield_value(moment)
        params.append((last_seq, stamp, stamp, _ids([pk])[0]))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
