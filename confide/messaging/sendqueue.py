"""Group commit for the chat sockets: sends that arrive while a write is running are written together.

Why: each stored message costs a conversation lock, an audit append (the audit
chain has one lock for the whole platform) and a commit. Written one by one, ten
people chatting at once queue behind each other's commits; written as a burst,
they share one transaction (``services.send_messages``), and the burst grows
with the load. No timer: when nothing is running, a send is written at once
(a quiet conversation pays no added latency).

One queue per event loop (uvicorn runs one per process), one write in flight
at a time; the writes run on the chat database threads (``dbpool``). The
guarantees stay per message: each sender gets its ack only after the commit
that stored its message, and a failed burst is retried message by message
inside ``send_messages``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import Any

from confide.messaging import dbpool, frames

log = logging.getLogger(__name__)
MAX_BATCH = 200

_queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class SendQueue:
    """``write(items) -> (outcome per item, [(group, frames) committed, to publish])``."""

    def __init__(self, write: Callable[[list[Any]], tuple[list[Any], list]]):
        self.write = write
        self.pending: list[tuple[Any, asyncio.Future]] = []
        self.running = False

    async def submit(self, item: Any) -> Any:
        """Queue one item and wait for its outcome (``write``'s result for it, or its exception)."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if not self.running:
            self.running = True
            asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    outcomes, publications = await dbpool.run(self.write, [item for item, _ in batch])
                except Exception as exc:  # noqa: BLE001 — every waiter hears about it; the queue keeps going
                    log.exception("a chat write batch failed")
                    outcomes, publications = [exc] * len(batch), []
                await frames.publish_all(publications)  # committed: deliver before the acks (docs/messaging.md)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # the sender's socket went away meanwhile
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self.running = False


def send_queue(write: Callable[[list[Any]], tuple[list[Any], list]]) -> SendQueue:
    """The queue of this event loop for ``write`` (one per loop: tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    per_loop = _queues.setdefault(loop, {})
    if write not in per_loop:
        per_loop[write] = SendQueue(write)
    return per_loop[write]
