"""The chat send path's statements, written out (docs/messaging.md, "Group commit").

Why raw SQL here (and in the audit append, privacy/audit.py): building these queries with the ORM cost
more CPU than everything else a chat message needs (profiled: ~7 ms per burst
of query construction against ~1 ms of work), and every burst pays it while
the conversations are locked. On PostgreSQL the send path starts them inside
``confide.core.sql.pipelined`` so that independent ones share a round trip.
The statements are few and fixed; each has an
ORM twin in the tests (tests/test_group_commit.py) that checks it returns the same.

Identifiers come from the models' metadata (never from input); values are
always parameters, converted by the fields for the database in use (UUIDs are
native on PostgreSQL and 32 hex digits on SQLite).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import connection

from confide.accounts.models import CareRelationship
from confide.core.sql import execute_queued, insert_rows, started
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


def start_lock_conversations(conversation_ids: list) -> Callable[[], dict[uuid.UUID, tuple[int, bool]]]:
    """Lock the conversations in id order; id → (last_seq, whether the pair's care is active)."""
    ids = sorted(set(conversation_ids))
    sql = (
        f"SELECT c.id, c.last_seq, EXISTS (SELECT 1 FROM {CARE} r"  # noqa: S608 — table names from model metadata
        " WHERE r.client_id = c.client_id AND r.therapist_id = c.therapist_id AND r.status = %s)"
        f" FROM {CONVERSATION} c WHERE c.id IN ({_marks(len(ids))}) ORDER BY c.id{_for_update()}"
    )
    return started(
        sql,
        [CareRelationship.Status.ACTIVE, *_ids(ids)],
        lambda rows: {_uuid(pk): (int(seq), bool(active)) for pk, seq, active in rows},
    )


def lock_conversations(conversation_ids: list) -> dict[uuid.UUID, tuple[int, bool]]:
    return start_lock_conversations(conversation_ids)()


def start_existing_keys(conversation_ids, keys) -> Callable[[], dict[tuple, uuid.UUID]]:
    """(conversation id, sender id, key) → message id, for keys already stored (retries)."""
    conv_ids, keys = sorted(set(conversation_ids)), sorted(set(keys))
    sql = (
        f"SELECT conversation_id, sender_id, idempotency_key, id FROM {MESSAGE}"  # noqa: S608 — see module docstring
        f" WHERE conversation_id IN ({_marks(len(conv_ids))}) AND idempotency_key IN ({_marks(len(keys))})"
    )
    return started(
        sql,
        [*_ids(conv_ids), *keys],
        lambda rows: {(_uuid(c), _uuid(s), k): _uuid(pk) for c, s, k, pk in rows},
    )


def existing_keys(conversation_ids, keys) -> dict[tuple, uuid.UUID]:
    return start_existing_keys(conversation_ids, keys)()


def start_lock_read_states(conversation_ids) -> Callable[[], list[tuple[uuid.UUID, uuid.UUID, bool, int, int]]]:
    """Lock the read states of these conversations: (conversation, user, notice_pending, notified, last_read)."""
    ids = sorted(set(conversation_ids))
    sql = (
        f"SELECT conversation_id, user_id, notice_pending, notified_seq, last_read_seq FROM {READ_STATE}"  # noqa: S608
        f" WHERE conversation_id IN ({_marks(len(ids))}) ORDER BY id{_for_update()}"
    )
    return started(
        sql, _ids(ids), lambda rows: [(_uuid(c), _uuid(u), bool(p), int(n), int(r)) for c, u, p, n, r in rows]
    )


def lock_read_states(conversation_ids) -> list[tuple[uuid.UUID, uuid.UUID, bool, int, int]]:
    return start_lock_read_states(conversation_ids)()


MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "seq",
    "version_seq",
    "sender_id",
    "kind",
    "idempotency_key",
    "subject",
    "body",
    "created_at",
    "edited_at",
    "screened_at",
)


def insert_messages(messages: list[Message]) -> None:
    """Insert new messages in one statement; subject and body encrypted by their fields (the only way in).

    Written out because the ORM's bulk insert spent more CPU preparing ten rows
    than the database spent storing them. ``test_insert_messages_matches_the_orm``
    reads rows back through the ORM and compares every field.
    """
    subject, body = Message._meta.get_field("subject"), Message._meta.get_field("body")
    rows = [
        (
            m.id,
            m.conversation_id,
            m.seq,
            m.version_seq,
            m.sender_id,
            m.kind,
            m.idempotency_key,
            subject.get_prep_value(m.subject),
            body.get_prep_value(m.body),
            m.created_at,
            m.edited_at,
            m.screened_at,
        )
        for m in messages
    ]
    insert_rows(MESSAGE, MESSAGE_COLUMNS, rows)
    for m in messages:
        m._state.adding, m._state.db = False, connection.alias


def _uuid_value() -> Callable[[object], object]:
    """UUIDs as the database wants them: native on PostgreSQL, 32 hex digits elsewhere."""
    if connection.features.has_native_uuid_field:
        return lambda v: v
    return lambda v: None if v is None else _uuid(v).hex


def _stamp_value() -> Callable[[object], object]:
    adapt = connection.ops.adapt_datetimefield_value
    return lambda v: None if v is None else adapt(v)


def save_counters(rows: list[tuple[uuid.UUID, int, object]]) -> None:
    """Move each conversation's ``last_seq`` on: one statement for all rows on PostgreSQL."""
    if not rows:
        return
    stamp, uid = _stamp_value(), _uuid_value()
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::uuid, %s::bigint, %s::timestamptz)"] * len(rows))
        sql = (
            f"UPDATE {CONVERSATION} c SET last_seq = v.seq, last_message_at = v.at, updated_at = v.at"  # noqa: S608
            f" FROM (VALUES {values}) AS v (id, seq, at) WHERE c.id = v.id"
        )
        execute_queued(sql, [x for pk, last_seq, moment in rows for x in (uid(pk), last_seq, stamp(moment))])
        return
    sql = f"UPDATE {CONVERSATION} SET last_seq = %s, last_message_at = %s, updated_at = %s WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(seq, stamp(at), stamp(at), uid(pk)) for pk, seq, at in rows])
