"""One per-person budget of chat actions, shared by the socket, the API and every app process (the cache)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def rate_limited(user_id, *, bucket: str = "rate", limit: int | None = None) -> int:
    """Count one action for the person (shared by every process through the cache); seconds to wait, or 0.

    ``bucket``: "rate" (frames and posts, ``MESSAGE_RATE_PER_MINUTE``) or "open" (socket opens).
    """
    now = time.time()
    key = f"messaging:{bucket}:{user_id}:{int(now // 60)}"
    try:
        count = cache.incr(key)
    except ValueError:  # first frame of this minute (or a race with another process creating the key)
        count = 1 if cache.add(key, 1, timeout=90) else cache.incr(key)
    if count <= (limit if limit is not None else settings.MESSAGE_RATE_PER_MINUTE):
        return 0
    return max(1, 60 - int(now % 60))
