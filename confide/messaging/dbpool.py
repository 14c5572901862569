"""The chat sockets' database threads: a small pool, each thread keeping its own connection.

Channels runs every ``database_sync_to_async`` call of a process on ONE thread
(thread-sensitive mode), so ten people sending at once wait in one queue, and
``close_old_connections`` around each call costs a health-check query per frame
(and a new connection per frame with ``CONN_MAX_AGE=0``). Chat frames are short
independent transactions, so they run here instead:

* PostgreSQL: ``MESSAGE_DB_THREADS`` threads (default 4). Correctness never
  depends on the thread count: the conversation row lock orders sequence numbers,
  the idempotency key is unique in the database, and the audit chain head is locked.
* SQLite: one thread — SQLite has one writer anyway (IMMEDIATE transactions).

Each thread checks its connection (age, health, errors) at most once a second,
and at once after a failed call, instead of around every frame.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connections

CHECK_SECONDS = 1.0

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_size = 0
_local = threading.local()


def _executor() -> ThreadPoolExecutor:
    global _pool, _size
    if _pool is None:
        with _lock:
            if _pool is None:
                sqlite = connections["default"].vendor == "sqlite"
                _size = 1 if sqlite else getattr(settings, "MESSAGE_DB_THREADS", 4)
                _pool = ThreadPoolExecutor(max_workers=_size, thread_name_prefix="chat-db")
    return _pool


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    now = time.monotonic()
    if now - getattr(_local, "checked", 0.0) >= CHECK_SECONDS:
        close_old_connections()
        _local.checked = now
    try:
        return fn(*args)
    except BaseException:
        _local.checked = 0.0  # a failed call may have broken the connection: check before the next one
        raise


async def run(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` on a chat database thread (``async_to_sync`` inside it reaches this event loop)."""
    return await SyncToAsync(_call, thread_sensitive=False, executor=_executor())(fn, *args)


def shutdown() -> None:
    """Close every pool thread's connections and stop the pool (tests: before the test database is dropped)."""
    global _pool
    with _lock:
        pool, size, _pool = _pool, _size, None
    if pool is None:
        return
    barrier = threading.Barrier(size)

    def close_this_thread() -> None:
        connections.close_all()
        barrier.wait(timeout=10)  # one task per thread: each waits until every thread has taken one

    for future in [pool.submit(close_this_thread) for _ in range(size)]:
        future.result(timeout=15)
    pool.shutdown(wait=True)
