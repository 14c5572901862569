"""Two real WebRTC peers (aiortc) that talk through the real signalling server.

Used by the end-to-end test and by ``bench/call_setup.py``. The therapist
admits, then offers; the client answers; both send synthetic audio and video
and count what they receive. No ORM here: callers pass tokens and cookies.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

PROTOCOL = "confide.visit.v1"


def loopback_only() -> None:
    """aioice skips loopback when gathering; tests and the bench run on 127.0.0.1 only."""
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


@dataclass
class Side:
    ws: object
    pc: object
    frames: dict = field(default_factory=lambda: {"audio": 0, "video": 0})
    tasks: list = field(default_factory=list)
    welcome: dict = field(default_factory=dict)


async def open_socket(ws_url: str, token: str, cookie: str, origin: str):
    import websockets

    ws = await websockets.connect(
        f"{ws_url}/ws/visits/",
        subprotocols=[PROTOCOL, f"token.{token}"],
        additional_headers={"Cookie": cookie},
        origin=origin,
        max_size=2**20,
    )
    return ws


async def next_frame(ws, kind: str, timeout: float = 10.0) -> dict:
    """Read frames until one of type ``kind`` arrives (others are ignored)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=max(0.01, deadline - time.monotonic())))
        if frame.get("type") == kind:
            return frame


def _new_pc(with_media: bool = True):
    from aiortc import RTCConfiguration, RTCPeerConnection
    from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if with_media:
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())
    return pc


def _count_frames(side: Side) -> None:
    @side.pc.on("track")
    def on_track(track):
        async def drain():
            while True:
                try:
                    await track.recv()
                except Exception:  # noqa: BLE001 — the track ended with the call
                    return
                side.frames[track.kind] += 1

        side.tasks.append(asyncio.ensure_future(drain()))


async def connected(pc, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed") or time.monotonic() > deadline:
            raise RuntimeError(f"peer connection {pc.connectionState}")
        await asyncio.sleep(0.005)


async def join_both(ws_url: str, origin: str, therapist: tuple[str, str], client: tuple[str, str]) -> tuple[Side, Side]:
    """Open both sockets (therapist first) and wait for the client to be in the waiting room."""
    t_ws = await open_socket(ws_url, *therapist, origin)
    t = Side(t_ws, _new_pc(), welcome=await next_frame(t_ws, "welcome"))
    c_ws = await open_socket(ws_url, *client, origin)
    c = Side(c_ws, _new_pc(), welcome=await next_frame(c_ws, "welcome"))
    await next_frame(t_ws, "waiting")
    return t, c


async def admit_and_connect(t: Side, c: Side) -> float:
    """Therapist admits; offer/answer through the server; returns seconds from admit to both connected."""
    _count_frames(t)
    _count_frames(c)
    started = time.perf_counter()
    await t.ws.send(json.dumps({"type": "admit"}))
    await next_frame(c.ws, "admitted")
    await next_frame(t.ws, "admitted")
    await t.pc.setLocalDescription(await t.pc.createOffer())  # aiortc gathers all candidates here
    await t.ws.send(json.dumps({"type": "offer", "sdp": t.pc.localDescription.sdp}))
    offer = await next_frame(c.ws, "offer")
    from aiortc import RTCSessionDescription

    await c.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    await c.pc.setLocalDescription(await c.pc.createAnswer())
    await c.ws.send(json.dumps({"type": "answer", "sdp": c.pc.localDescription.sdp}))
    answer = await next_frame(t.ws, "answer")
    await t.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    await asyncio.gather(connected(t.pc), connected(c.pc))
    return time.perf_counter() - started


def dtls_states(pc) -> set[str]:
    """States of the DTLS transports carrying the media (``connected`` = DTLS-SRTP keys agreed)."""
    return {t.sender.transport.state for t in pc.getTransceivers()}


async def hang_up(*sides: Side) -> None:
    for side in sides:
        await side.pc.close()
        for task in side.tasks:
            task.cancel()
        await side.ws.close()
