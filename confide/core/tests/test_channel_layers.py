"""The embedded default's channel layer keeps the in-memory layer's semantics without its per-event sweeps."""

import asyncio

import pytest
from channels.exceptions import ChannelFull

from confide.core.channel_layers import LocalChannelLayer


def run(coro):
    """On a fresh event loop in its own thread (Playwright's sync API may own this thread's loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, 10)).result()


def test_group_members_each_receive_every_event_in_order():
    async def scenario():
        layer = LocalChannelLayer()
        a, b, outsider = [await layer.new_channel() for _ in range(3)]
        await layer.group_add("conv.one", a)
        await layer.group_add("conv.one", b)
        for n in range(3):
            await layer.group_send("conv.one", {"type": "conversation.frames", "n": n})
        got = {ch: [(await layer.receive(ch))["n"] for _ in range(3)] for ch in (a, b)}
        return got, outsider in layer.channels

    got, outsider_has_queue = run(scenario())
    assert list(got.values()) == [[0, 1, 2], [0, 1, 2]]
    assert not outsider_has_queue  # another conversation's socket got nothing


def test_a_full_member_misses_the_event_and_the_others_still_get_it():
    async def scenario():
        layer = LocalChannelLayer(capacity=2)
        slow, fast = await layer.new_channel(), await layer.new_channel()
        for channel in (slow, fast):
            await layer.group_add("conv.two", channel)
        await layer.group_send("conv.two", {"type": "x", "n": 1})
        await layer.group_send("conv.two", {"type": "x", "n": 2})
        await layer.receive(fast)
        await layer.group_send("conv.two", {"type": "x", "n": 3})  # slow's queue is full
        with pytest.raises(ChannelFull):
            await layer.send(slow, {"type": "x", "n": 4})
        slow_got = [(await layer.receive(slow))["n"] for _ in range(2)]
        return slow_got, [(await layer.receive(fast))["n"] for _ in range(2)]

    slow_got, fast_got = run(scenario())
    assert slow_got == [1, 2]
    assert fast_got == [2, 3]


def test_expired_events_and_memberships_are_still_swept(monkeypatch):
    monkeypatch.setattr(LocalChannelLayer, "SWEEP_EVERY_SECONDS", 0.0)

    async def scenario():
        layer = LocalChannelLayer(expiry=0.05, group_expiry=1)
        stale, fresh = await layer.new_channel(), await layer.new_channel()
        await layer.send(stale, {"type": "x", "n": "old"})
        await asyncio.sleep(0.1)
        await layer.send(fresh, {"type": "x", "n": "new"})
        received = (await layer.receive(fresh))["n"]
        stale_dropped = stale not in layer.channels
        await layer.group_add("conv.three", fresh)
        layer.groups["conv.three"][fresh] -= 5  # joined "long ago", beyond group_expiry
        await layer.group_send("conv.three", {"type": "x", "n": "after expiry"})
        return received, stale_dropped, fresh in layer.channels

    received, stale_dropped, fresh_got_group_event = run(scenario())
    assert received == "new"
    assert stale_dropped
    assert not fresh_got_group_event  # its membership expired, as in Channels' own layer


def test_the_sweep_runs_at_most_once_a_second_however_many_events_pass(monkeypatch):
    sweeps = []
    original = LocalChannelLayer.__mro__[1]._clean_expired
    monkeypatch.setattr(LocalChannelLayer.__mro__[1], "_clean_expired", lambda self: sweeps.append(1) or original(self))

    async def scenario():
        layer = LocalChannelLayer()
        channel = await layer.new_channel()
        await layer.group_add("conv.four", channel)
        for n in range(500):
            await layer.group_send("conv.four", {"type": "x", "n": n})
            await layer.receive(channel)

    run(scenario())
    assert 1 <= len(sweeps) <= 2  # Channels' own layer sweeps on each of these 1,000 calls


def test_an_event_is_delivered_as_the_same_read_only_object_not_a_copy_per_socket():
    async def scenario():
        layer = LocalChannelLayer()
        a, b = await layer.new_channel(), await layer.new_channel()
        for channel in (a, b):
            await layer.group_add("conv.five", channel)
        event = {"type": "conversation.frames", "items": (("u", "k", "{}"),)}
        await layer.group_send("conv.five", event)
        return event, await layer.receive(a), await layer.receive(b)

    event, got_a, got_b = run(scenario())
    assert got_a is event and got_b is event
