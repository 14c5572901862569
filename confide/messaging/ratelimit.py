"""One per-person budget of chat actions, shared by the socket, the API and every app process.

Counters are per person, per bucket and per clock minute. With ``CONFIDE_REDIS_URL``
they live in Redis, so every app process counts against the same budget; without
it (the embedded default: one process) they live in this process's cache.

A chat socket's burst of sends is counted in **one** Redis round trip
(``rate_limited_many``): counting each frame with the cache API cost two round
trips per frame (``EXISTS`` then ``INCR``), made one after another on the chat
write's own thread, which held up every message of the burst
(docs/performance.md). Each frame still gets its own place in the count, so a
burst is judged exactly as the same frames one by one would be.

If Redis cannot be reached, counting fails **open** (with a warning): the limit
protects the server from floods; it must not turn a Redis hiccup into refused
messages between a client and their therapist.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Hashable, Sequence

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
KEY_TTL_SECONDS = 90  # a little longer than the minute it counts, so a late frame still finds its counter

_redis_lock = threading.Lock()
_redis_clients: dict[str, object] = {}


def rate_limited(user_id: Hashable, *, bucket: str = "rate", limit: int | None = None) -> int:
    """Count one action for the person; seconds to wait, or 0.

    ``bucket``: "rate" (frames and posts, ``MESSAGE_RATE_PER_MINUTE``) or "open" (socket opens).
    """
    return rate_limited_many([user_id], bucket=bucket, limit=limit)[0]


def rate_limited_many(user_ids: Sequence[Hashable], *, bucket: str = "rate", limit: int | None = None) -> list[int]:
    """Count one action per entry (a person may appear several times); per entry, seconds to wait or 0.

    The n-th action of a person in this minute is allowed while n ≤ limit; entries
    are numbered in the order given, so the first ones of a burst go through and
    the rest wait, as if they had been counted one by one.
    """
    if not user_ids:
        return []
    allowed = limit if limit is not None else settings.MESSAGE_RATE_PER_MINUTE
    now = time.time()
    minute = int(now // WINDOW_SECONDS)
    wait = max(1, WINDOW_SECONDS - int(now % WINDOW_SECONDS))
    wanted = Counter(user_ids)
    keys = {user: f"confide:{bucket}:{user}:{minute}" for user in wanted}
    totals = _count({keys[user]: n for user, n in wanted.items()})
    taken: Counter = Counter()
    out = []
    for user in user_ids:
        taken[user] += 1
        total = totals.get(keys[user])
        place = (total - wanted[user] + taken[user]) if total is not None else 0  # None: counting failed → open
        out.append(wait if place > allowed else 0)
    return out


def _count(increments: dict[str, int]) -> dict[str, int]:
    """Add each increment to its counter; the counters' new totals (empty when counting failed)."""
    if settings.REDIS_URL:
        return _count_in_redis(increments)
    return {key: _count_in_cache(key, n) for key, n in increments.items()}


def _count_in_redis(increments: dict[str, int]) -> dict[str, int]:
    """All counters in one round trip: ``INCRBY`` + ``EXPIRE`` per key, pipelined (no transaction needed)."""
    try:
        pipe = _redis().pipeline(transaction=False)
        for key, n in increments.items():
            pipe.incrby(key, n)
            pipe.expire(key, KEY_TTL_SECONDS)
        results = pipe.execute()
    except Exception:  # noqa: BLE001 — fail open: a Redis outage must not refuse therapy messages
        log.warning("rate limit counters unavailable (Redis); not limiting this time", exc_info=True)
        return {}
    return {key: int(total) for key, total in zip(increments, results[::2], strict=True)}


def _count_in_cache(key: str, n: int) -> int:
    """The embedded default: this process's cache (one process, so one budget)."""
    if cache.add(key, n, timeout=KEY_TTL_SECONDS):
        return n
    try:
        return cache.incr(key, n)
    except ValueError:  # expired between add() and incr(): start it again
        cache.set(key, n, timeout=KEY_TTL_SECONDS)
        return n


def _redis():
    """One client (and connection pool, safe across threads) per Redis URL, made on first use."""
    url = settings.REDIS_URL
    client = _redis_clients.get(url)
    if client is None:
        import redis

        with _redis_lock:
            client = _redis_clients.get(url) or redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            _redis_clients[url] = client
    return client
