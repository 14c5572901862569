"""The embedded default's channel layer: Channels' in-memory layer without its per-event overheads.

Why: Channels' ``InMemoryChannelLayer`` is written for tests. On every
``receive`` and every ``group_send`` it walks *every* channel and *every*
group membership of the process to expire old entries, it deep-copies each
event once per receiving channel, and ``group_send`` starts a task per member.
With 1,000 idle chat sockets open, one delivered event cost ~430 µs of CPU
instead of ~27 µs (docs/performance.md) — in the one process that also runs
every page and every chat write.

This layer keeps the same semantics with three changes:

* expiry (of queued events and of group memberships) is swept at most once a
  second, not on every call — an expired entry may live up to a second longer;
* an event is queued as is, not deep-copied per channel: receivers must treat
  events as read-only (every consumer here only reads them);
* ``group_send`` puts the event on each member's queue directly (no task per
  member); a full member queue is skipped, as before.

With ``CONFIDE_REDIS_URL`` set, a Redis layer is used instead (settings.py).
"""

from __future__ import annotations

import asyncio
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class LocalChannelLayer(InMemoryChannelLayer):
    SWEEP_EVERY_SECONDS = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    async def send(self, channel: str, message: dict) -> None:
        """Queue an event for one channel (``ChannelFull`` when its queue is at capacity)."""
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def group_send(self, group: str, message: dict) -> None:
        """Queue an event for every member of a group; a member whose queue is full misses it."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                self._put(channel, message)
            except ChannelFull:
                continue

    def _put(self, channel: str, message: dict) -> None:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    def _clean_expired(self) -> None:
        """The base sweep, at most once per ``SWEEP_EVERY_SECONDS``: it walks every channel and group."""
        now = time.monotonic()
        if now - self._swept_at < self.SWEEP_EVERY_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()
