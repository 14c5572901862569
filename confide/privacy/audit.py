"""Appending to and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from confide.core.sql import execute_queued, insert_rows, pipelined, started
from confide.privacy.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEAD_TABLE = AuditChainHead._meta.db_table
EVENT_TABLE = AuditEvent._meta.db_table
EVENT_COLUMNS = (
    "uid",
    "at",
    "actor_id",
    "actor_ref",
    "action",
    "object_type",
    "object_id",
    "subject_ref",
    "outcome",
    "ip",
    "user_agent",
    "reason",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class RequestContext:
    """Who is acting and from where; built once per request or socket."""

    user: Any
    ip: str | None = None
    user_agent: str = ""


def context_from_request(request) -> RequestContext:
    """Take actor, IP and user agent from an HTTP request (or ASGI scope dict)."""
    from confide.core.net import client_ip, user_agent

    user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return RequestContext(user=user, ip=client_ip(request), user_agent=user_agent(request))


SYSTEM = RequestContext(user=None)


def event_digest(fields: dict[str, str], prev_hash: str) -> str:
    """SHA-256 over canonical JSON of the event and the previous hash."""
    payload = json.dumps({**fields, "prev": prev_hash}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, str]:
    return {
        "uid": str(event.uid),
        "at": event.at.isoformat(),
        "actor": event.actor_ref,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "subject": event.subject_ref,
        "outcome": event.outcome,
        "ip": event.ip or "",
        "user_agent": event.user_agent,
        "reason": event.reason,
    }


def record_event(
    ctx: RequestContext,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    subject=None,
    outcome: str = AuditEvent.Outcome.ALLOWED,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain.

    Locks the chain head row, so events from many processes form one chain.
    Call it inside the transaction of the change it describes: if the change
    rolls back, so does its audit event. No savepoint of its own (an audit
    failure fails the whole change), so an append is three statements: lock
    the head, insert the event, move the head.
    """
    return record_events([AuditEntry(ctx, action, object_type, object_id, subject, outcome, reason)])[0]


@dataclass(frozen=True)
class AuditEntry:
    """One event to append with ``record_events`` (the arguments of ``record_event``)."""

    ctx: RequestContext
    action: str
    object_type: str = ""
    object_id: object = ""
    subject: Any = None
    outcome: str = AuditEvent.Outcome.ALLOWED
    reason: str = ""


def record_events(entries: list[AuditEntry], *, read_ids: bool = True) -> list[AuditEvent]:
    """Append several events as one link run of the chain: one head lock, one insert, one head update.

    Why: a burst of chat messages written in one transaction (group commit,
    messaging/services/sending.py) still gets one event per message, but pays
    for the chain's one lock once. The events are chained in list order and
    inserted in that order, so their ids follow the chain.

    On PostgreSQL the head's lock is sent with any statements the caller has
    queued (``confide.core.sql.pipelined``). ``read_ids=False``: the events come back without ids, and nothing waits
    for the database (inside a caller's pipeline the append then travels with
    its COMMIT).
    """
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        previous = head.last_hash
        events = []
        now = timezone.now()
        for entry in entries:
            event = _event(entry, now, previous)
            previous = event.hash
            events.append(event)
        with pipelined():
            inserted = _insert_events(events, read_ids=read_ids)
            _move_head(previous, head.count + len(events))
        inserted()
    return events


def _insert_events(events: list[AuditEvent], *, read_ids: bool = True) -> Callable[[], None]:
    """One INSERT for the run (written out: every audited write pays for this); ids read back after.

    Returns the function that puts the new ids on the events (call it after
    the pipeline, when there is one); rows are matched on their unique hash.
    ``test_written_out_insert_matches_the_orm`` reads rows back through the ORM
    and compares every field.
    """
    rows = [
        (
            e.uid,
            e.at,
            e.actor_id,
            e.actor_ref,
            e.action,
            e.object_type,
            e.object_id,
            e.subject_ref,
            e.outcome,
            e.ip or None,
            e.user_agent,
            e.reason,
            e.prev_hash,
            e.hash,
        )
        for e in events
    ]
    inserted = insert_rows(EVENT_TABLE, EVENT_COLUMNS, rows, returning="id, hash" if read_ids else "")

    def put_ids() -> None:
        ids = {digest: int(pk) for pk, digest in inserted()}
        for event in events:
            event.id, event._state.adding, event._state.db = ids.get(event.hash), False, connection.alias

    return put_ids


def _event(entry: AuditEntry, at, prev_hash: str) -> AuditEvent:
    ctx = entry.ctx
    event = AuditEvent(
        at=at,
        actor=ctx.user,
        actor_ref=_ref(ctx.user),
        action=entry.action[:64],
        object_type=entry.object_type[:64],
        object_id=str(entry.object_id)[:64],
        subject_ref=_ref(entry.subject),
        outcome=entry.outcome,
        ip=ctx.ip,
        user_agent=(ctx.user_agent or "")[:256],
        reason=entry.reason[:256],
        prev_hash=prev_hash,
    )
    event.hash = event_digest(_hashed_fields(event), prev_hash)
    return event


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends (written out: this runs on every audited write).

    Lock order everywhere: the caller's own rows first, the audit head last
    (it is the one lock every audited write shares, so it is held the shortest).
    """
    sql = f"SELECT last_hash, count FROM {HEAD_TABLE} WHERE id = 1" + (  # noqa: S608 — table from model metadata
        " FOR UPDATE" if connection.features.has_select_for_update else ""
    )
    found = started(sql, [], list)()
    if not found:  # the migration creates it; this covers a wiped table
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        return AuditChainHead.objects.select_for_update().get(pk=1)
    return AuditChainHead(id=1, last_hash=found[0][0], count=int(found[0][1]))


def _move_head(last_hash: str, count: int) -> None:
    execute_queued(f"UPDATE {HEAD_TABLE} SET last_hash = %s, count = %s WHERE id = 1", [last_hash, count])  # noqa: S608


def _ref(user) -> str:
    if user is None:
        return ""
    return str(getattr(user, "public_id", "") or getattr(user, "pk", ""))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    problem: str
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the whole log; report the first event whose link does not hold."""
    prev, checked = GENESIS, 0
    for event in _iter_events(batch_size):
        problem = _link_problem(event, prev)
        if problem:
            return ChainReport(checked, event.id, problem, prev)
        prev, checked = event.hash, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != prev:
        return ChainReport(checked, -1, "events after the last verified one are missing", prev)
    return ChainReport(checked, None, "", prev)


def _link_problem(event: AuditEvent, prev: str) -> str:
    if event.prev_hash != prev:
        return "previous-hash link broken (an event was removed or reordered)"
    if event_digest(_hashed_fields(event), prev) != event.hash:
        return "content does not match its hash (the event was edited)"
    return ""


def _iter_events(batch_size: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
