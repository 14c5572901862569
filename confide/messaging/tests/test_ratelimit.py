"""The per-person rate budget: a burst counted at once is judged as its frames one by one would be.

Runs against the embedded default (this process's cache) and against a real
Redis (what several app processes share), where the whole burst is one round trip.
"""

import logging
import time
import uuid

import pytest
from django.core.cache import cache

from confide.core.testing.services import REDIS_URL, need, redis_available
from confide.messaging import ratelimit
from confide.messaging.ratelimit import rate_limited, rate_limited_many


@pytest.fixture(params=["cache", "redis"])
def backend(request, settings):
    """Both counting stores; fresh people per test, so no counter is shared between tests."""
    if request.param == "redis":
        need(redis_available(), "Redis on 127.0.0.1:6379")
        settings.REDIS_URL = REDIS_URL
    else:
        settings.REDIS_URL = ""
        cache.clear()
    _away_from_minute_boundary()
    return request.param


def _away_from_minute_boundary() -> None:
    """Counters are per clock minute: a test that straddles a minute would see its count restart."""
    if time.time() % 60 > 58:
        time.sleep(60 - time.time() % 60 + 0.05)


def _person() -> str:
    return uuid.uuid4().hex


def test_a_burst_lets_through_what_is_left_of_the_budget_in_order(backend):
    alice, bob = _person(), _person()
    assert rate_limited(alice, limit=3) == 0  # one action earlier this minute

    waits = rate_limited_many([alice, bob, alice, alice, bob], limit=3)

    assert waits[:3] == [0, 0, 0]  # alice's 2nd and 3rd, bob's 1st
    assert waits[3] >= 1  # alice's 4th is over the budget: wait until the minute ends
    assert waits[4] == 0  # bob is unaffected by alice
    assert 1 <= waits[3] <= 60


def test_counting_a_burst_at_once_equals_counting_frame_by_frame(backend):
    one_by_one, burst = _person(), _person()
    order = [one_by_one] * 7
    separately = [rate_limited(person, limit=5) > 0 for person in order]

    together = [wait > 0 for wait in rate_limited_many([burst] * 7, limit=5)]

    assert separately == together == [False] * 5 + [True] * 2


def test_buckets_are_separate_budgets(backend):
    person = _person()
    assert rate_limited_many([person] * 2, bucket="open", limit=1)[1] >= 1
    assert rate_limited(person, bucket="rate", limit=1) == 0  # the "open" bucket's count does not touch "rate"


def test_an_empty_burst_counts_nothing(backend):
    assert rate_limited_many([]) == []


def test_with_redis_every_process_shares_one_budget_that_expires(settings):
    need(redis_available(), "Redis on 127.0.0.1:6379")
    import redis

    settings.REDIS_URL = REDIS_URL
    _away_from_minute_boundary()
    person = _person()
    rate_limited_many([person] * 2, limit=10)

    other_process = redis.Redis.from_url(REDIS_URL)  # what another app process sees
    (key,) = [k for k in other_process.keys(f"confide:rate:{person}:*")]
    assert int(other_process.get(key)) == 2
    assert 0 < other_process.ttl(key) <= ratelimit.KEY_TTL_SECONDS
    other_process.incrby(key, 8)  # that process spent the rest of the budget
    assert rate_limited(person, limit=10) >= 1


def test_when_redis_is_unreachable_counting_fails_open_with_a_warning(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    person = _person()
    with caplog.at_level(logging.WARNING, logger="confide.messaging.ratelimit"):
        waits = rate_limited_many([person] * 3, limit=1)
    assert waits == [0, 0, 0]
    assert "rate limit counters unavailable" in caplog.text
    assert person not in caplog.text  # no identifiers in the log
