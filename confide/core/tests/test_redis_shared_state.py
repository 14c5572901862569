"""With CONFIDE_REDIS_URL set, separate app processes share cache and channel layer (real Redis, both layers)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from confide.core.testing.services import REDIS_URL, need, redis_available

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[3]

RECEIVER = """
import asyncio, django, sys
django.setup()
from channels.layers import get_channel_layer
async def main():
    layer = get_channel_layer()
    name = await layer.new_channel()
    await layer.group_add(sys.argv[1], name)
    print("ready", name, flush=True)
    for _ in range(2):
        message = await asyncio.wait_for(layer.receive(name), 20)
        print(message["text"], flush=True)
asyncio.run(main())
"""
SENDER = """
import asyncio, django, sys
django.setup()
from channels.layers import get_channel_layer
from django.core.cache import cache
async def main():
    layer = get_channel_layer()
    await layer.group_send(sys.argv[1], {"type": "chat.message", "text": "hello from B"})
    await layer.send(sys.argv[2], {"type": "visit.relay", "text": "to you alone"})  # what video signalling uses
asyncio.run(main())
cache.set("shared-" + sys.argv[1], "set by B", 30)
"""
READER = """
import django, sys
django.setup()
from django.core.cache import cache
print(cache.get("shared-" + sys.argv[1]))
"""


def _env(layer: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "confide.settings",
        "CONFIDE_REDIS_URL": REDIS_URL,
        "CONFIDE_REDIS_CHANNEL_LAYER": layer,
    }


@pytest.mark.parametrize("layer", ["pubsub", "lists"])
def test_two_processes_share_channel_layer_and_cache(layer):
    need(redis_available(), "Redis on 127.0.0.1:6379")
    group = f"test-{os.getpid()}-{time.time_ns()}"
    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, group], cwd=ROOT, env=_env(layer), stdout=subprocess.PIPE, text=True
    )
    try:
        ready, channel = receiver.stdout.readline().split()
        assert ready == "ready"
        sender = [sys.executable, "-c", SENDER, group, channel]
        subprocess.run(sender, cwd=ROOT, env=_env(layer), check=True, timeout=60)
        assert receiver.stdout.readline().strip() == "hello from B"  # a group (a conversation)
        assert receiver.stdout.readline().strip() == "to you alone"  # one socket's own channel (a visit's peer)
    finally:
        receiver.kill()
    read = subprocess.run(
        [sys.executable, "-c", READER, group], cwd=ROOT, env=_env(layer), capture_output=True, text=True, timeout=60
    )
    assert read.stdout.strip() == "set by B"
