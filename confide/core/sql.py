"""Helpers for the few hot paths written in SQL: pipelined statements and started queries.

Why: a chat burst's write (messaging/services/sendsql.py) and its audit append
(privacy/audit.py) are a handful of small statements each. On PostgreSQL every
round trip costs more than the statement it carries (~0.3 ms on this kind of
machine), so the statements that do not need each other's results go out
together and their results come back in one round trip. SQLite runs in the
process: there is no round trip to save and the helpers change nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import TypeVar

from django.db import connection

from confide.core import jsontext

T = TypeVar("T")


@contextmanager
def pipelined() -> Iterator[None]:
    """PostgreSQL: send the statements inside together; their results arrive in ONE round trip.

    Statements written here (``execute_queued``, ``started``, ``insert_rows``)
    are queued; read their results later (reading one sends what is queued and
    waits: one round trip). The server runs them in the order sent, so a lock
    order written in code holds. A transaction may run inside the block: its
    COMMIT then travels with its last queued statements.

    Any other statement (the ORM's) waits for its own result as usual, because
    Django reads row counts and results at once (``save(update_fields=...)``
    checks that a row changed); it costs its own round trip. An error in any
    statement fails the block as a Django ``DatabaseError`` (and the
    transaction with it, as any failed statement would).
    """
    if connection.vendor != "postgresql":
        yield
        return
    from psycopg import pq

    connection.ensure_connection()
    if connection.connection.pgconn.pipeline_status != pq.PipelineStatus.OFF:
        yield  # already inside one: these statements join it (a nested block would cost a round trip)
        return
    with (
        connection.wrap_database_errors,
        connection.connection.pipeline() as pipeline,
        connection.execute_wrapper(partial(_wait_unless_queued, pipeline)),
    ):
        yield


_queueing = threading.local()


def _wait_unless_queued(pipeline, execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if not getattr(_queueing, "on", False):
        with connection.wrap_database_errors:
            pipeline.sync()  # the ORM's statement: its results and row count are there when it returns
    return result


def execute_queued(sql: str, params) -> None:
    """Run a statement whose result nobody reads (queued inside ``pipelined``)."""
    with connection.cursor() as cursor:
        _queue(cursor, sql, params)


def _queue(cursor, sql: str, params) -> None:
    _queueing.on = True
    try:
        cursor.execute(sql, params)
    finally:
        _queueing.on = False


def started(sql: str, params, parse: Callable[[list], T]) -> Callable[[], T]:
    """Send one query now; the returned function reads its rows and parses them (once)."""
    cursor = connection.cursor()
    _queue(cursor, sql, params)

    def result():
        try:
            return parse(cursor.fetchall())
        finally:
            cursor.close()

    return result


def insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple], *, returning: str = "") -> Callable[[], list]:
    """Insert rows of plain values (str, int, None, UUID, aware datetime) in ONE statement.

    PostgreSQL: the rows travel as one JSON parameter, expanded by
    ``json_populate_recordset`` into the table's own column types. Why: psycopg
    parses a statement's placeholders in Python and caches that only up to 50
    parameters, so a ten-row insert of fourteen columns spent more CPU in the
    client than the server spent storing it; the JSON form is one constant
    statement and one JSON text (``confide.core.jsontext``). SQLite (in-process): multi-row VALUES.

    ``returning``: columns to read back (``RETURNING``); the returned function
    gives those rows, in no promised order (match them on a unique column).
    ``table`` and ``columns`` come from model metadata, never from input.
    """
    if not rows:
        return lambda: []
    names = ", ".join(columns)
    tail = f" RETURNING {returning}" if returning else ""
    if connection.vendor == "postgresql":
        payload = jsontext.dumps([dict(zip(columns, row, strict=True)) for row in rows])
        sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{table}, %s){tail}"  # noqa: S608
        params: list = [payload]
    else:
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(rows))}{tail}"  # noqa: S608
        params = [_sqlite_value(value) for row in rows for value in row]
    if returning:
        return started(sql, params, list)
    execute_queued(sql, params)
    return lambda: []


def _sqlite_value(value):
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value
