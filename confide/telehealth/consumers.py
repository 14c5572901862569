"""The signalling consumer: waiting room, admission, WebRTC offer/answer/ICE relay, media state, chat.

Media never passes through here — only the small JSON frames the two browsers
need to find each other (docs/telehealth.md lists every frame and close code).

Authorisation happens in ``connect()`` with the same policy functions as the
HTTP pages: the user comes only from ``scope["user"]``, the socket must present
a single-use join token (as a WebSocket subprotocol ``token.<secret>``, so it
never appears in a URL or an access log), and every refusal looks the same —
the handshake is declined — whether the room exists or not.
"""

from __future__ import annotations

import json
import math
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from confide.accounts.middleware import LAST_SEEN_KEY
from confide.core.net import client_ip, user_agent
from confide.core.sockets import NoPerFrameConnectionCheck
from confide.privacy.audit import RequestContext
from confide.telehealth import ice
from confide.telehealth.models import Visit
from confide.telehealth.services import lifecycle, live, tokens

PROTOCOL = "confide.visit.v1"
TOKEN_PREFIX = "token."  # noqa: S105 — a protocol prefix, not a secret
MAX_FRAME_CHARS = 64 * 1024
MAX_SDP_CHARS = 48 * 1024
MAX_CANDIDATE_CHARS = 1024

# Close codes (4000–4999 are the application's; docs/telehealth.md).
CLOSE_ENDED = 4000
CLOSE_REPLACED = 4409
CLOSE_TOO_LARGE = 4413
CLOSE_FLOOD = 4429


class TokenBucket:
    """``rate`` frames per second with bursts up to ``capacity`` (per connection = per user and visit)."""

    def __init__(self, capacity: float, rate: float):
        self.capacity, self.rate = capacity, rate
        self.tokens, self.stamp = capacity, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


FRAME_BURST, FRAME_RATE = 200, 50  # ICE candidates arrive in bursts of a few dozen
CHAT_BURST, CHAT_RATE = 5, 0.5
MAX_STRIKES = 100  # refused frames before the socket is closed with CLOSE_FLOOD


class SignalingConsumer(NoPerFrameConnectionCheck, AsyncWebsocketConsumer):
    room = ""
    role = ""
    peer_channel = ""
    admitted = False

    # --- connection ----------------------------------------------------------------------------

    async def connect(self) -> None:
        user = self.scope.get("user")
        secret = self._offered_token()
        if user is None or not user.is_authenticated or self._idle_expired() or secret is None:
            await self.close()
            return
        self.ctx = RequestContext(user=user, ip=client_ip(self.scope), user_agent=user_agent(self.scope))
        visit = await database_sync_to_async(tokens.redeem_join_token)(self.ctx, secret)
        if visit is None:
            await self.close()
            return
        self.role = live.role_of(user, visit)
        # Presence is claimed before the handshake completes: a visit that ended between the
        # token check and now is refused like any other room (nobody talks in an ended visit).
        arrival = await database_sync_to_async(live.arrive)(visit, self.role, self.channel_name)
        if arrival is None:
            await self.close()
            return
        self.frames, self.chats, self.strikes = (
            TokenBucket(FRAME_BURST, FRAME_RATE),
            TokenBucket(CHAT_BURST, CHAT_RATE),
            0,
        )
        await self.accept(subprotocol=PROTOCOL)
        await self._arrive(*arrival)

    def _offered_token(self) -> str | None:
        offered = self.scope.get("subprotocols") or []
        secrets = [p[len(TOKEN_PREFIX) :] for p in offered if p.startswith(TOKEN_PREFIX)]
        if PROTOCOL not in offered or len(secrets) != 1:
            return None
        return secrets[0]

    def _idle_expired(self) -> bool:
        """The same idle lock as HTTP: a session unused for CONFIDE_IDLE_MINUTES cannot open a room."""
        session = self.scope.get("session")
        last_seen = session.get(LAST_SEEN_KEY) if session is not None else None
        return last_seen is not None and time.time() - float(last_seen) > settings.IDLE_MINUTES * 60

    async def _arrive(self, visit: Visit, replaced: str) -> None:
        self.visit, self.room, self.admitted = visit, visit.room_id, visit.admitted_at is not None
        if replaced:  # the same person reloaded or opened a second tab: the newest socket wins
            await self.channel_layer.send(replaced, {"type": "visit.replaced", "room": self.room})
        self.peer_channel = visit.therapist_channel if self.role == "client" else visit.client_channel
        await self._send({"type": "welcome", **await database_sync_to_async(self._welcome)(visit)})
        if self.peer_channel:
            kind = "visit.waiting" if self.role == "client" and not self.admitted else "visit.peer_joined"
            await self.channel_layer.send(self.peer_channel, self._event(kind))
        if self.role == "client" and not self.admitted:
            await database_sync_to_async(live.record_client_waiting)(self.ctx, visit)

    def _welcome(self, visit: Visit) -> dict:
        return {
            "room": self.room,
            "role": self.role,
            "modality": visit.appointment.modality,
            "admitted": self.admitted,
            "started": visit.started_at is not None,
            "peer_present": bool(self.peer_channel),
            "client_waiting": self.role == "therapist" and bool(visit.client_channel) and not self.admitted,
            "ice_servers": ice.ice_servers_for(self.ctx.user),
        }

    async def disconnect(self, code) -> None:
        if not self.room:
            return
        visit = await database_sync_to_async(live.leave)(self.visit, self.role, self.channel_name)
        if visit is not None and self.peer_channel:
            await self.channel_layer.send(self.peer_channel, self._event("visit.peer_left"))

    # --- frames from the browser ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if text_data is None:
            await self._error("bad_frame", "Send JSON text frames.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._error("too_large", f"Frames are limited to {MAX_FRAME_CHARS} characters.")
            await self.close(code=CLOSE_TOO_LARGE)
            return
        if not self.frames.take():
            await self._strike("rate_limited", "Too many messages; slow down.")
            return
        frame = _parse(text_data)
        if frame is None:
            await self._error("bad_json", 'Each frame must be a JSON object with a "type".')
            return
        if "room" in frame and frame["room"] != self.room:
            await self._error("wrong_room", "That message is not for this room.")
            return
        handler = self.HANDLERS.get(frame["type"])
        if handler is None:
            await self._error("unknown_type", "Unknown message type.")
            return
        await handler(self, frame)

    async def _relay(self, frame: dict) -> None:
        """offer / answer / candidate / restart go to the other participant only, once admitted."""
        if not self.admitted:
            await self._error("not_admitted", "Wait until the therapist lets you in.")
            return
        clean = _clean_signal(frame)
        if clean is None:
            await self._error("bad_signal", "That signalling message is malformed.")
            return
        if not self.peer_channel:
            await self._error("peer_absent", "The other person is not connected right now.")
            return
        await self.channel_layer.send(self.peer_channel, self._event("visit.relay", frame=clean))

    async def _admit(self, frame: dict) -> None:
        try:
            await database_sync_to_async(lifecycle.admit_client)(self.ctx, self.visit)
        except (Http404, PermissionDenied):
            await self._error("forbidden", "Only the therapist admits.")
        except ValidationError as exc:
            await self._error("invalid", " ".join(exc.messages))

    async def _media(self, frame: dict) -> None:
        try:
            state = await database_sync_to_async(live.report_media)(self.ctx, self.visit, frame)
        except ValidationError as exc:
            await self._error("invalid", " ".join(exc.messages))
            return
        if self.peer_channel and self.admitted:
            await self.channel_layer.send(self.peer_channel, self._event("visit.media", state=state))

    async def _chat(self, frame: dict) -> None:
        if not self.chats.take():
            await self._strike("rate_limited", "You are sending messages too quickly.")
            return
        try:
            message, urgent = await database_sync_to_async(live.send_chat)(self.ctx, self.visit, frame.get("text"))
        except ValidationError as exc:
            await self._error("invalid", " ".join(exc.messages))
            return
        out = {"id": str(message.pk), "from": self.role, "text": message.body, "at": message.created_at.isoformat()}
        await self._send({"type": "chat", **out})
        if self.peer_channel:
            await self.channel_layer.send(self.peer_channel, self._event("visit.chat", message=out))
        if urgent:
            await self._send({"type": "crisis"})

    async def _ping(self, frame: dict) -> None:
        stamp = frame.get("t")
        finite = isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and math.isfinite(stamp)
        await self._send({"type": "pong", "t": stamp if finite else None})

    HANDLERS = {
        "offer": _relay,
        "answer": _relay,
        "candidate": _relay,
        "restart": _relay,
        "admit": _admit,
        "media": _media,
        "chat": _chat,
        "ping": _ping,
    }

    # --- events from the other participant's consumer and from services ------------------------

    def _mine(self, event: dict) -> bool:
        """Drop anything not addressed to this room (never leak a frame across rooms)."""
        return bool(self.room) and event.get("room") == self.room

    def _from_peer(self, event: dict) -> bool:
        return self._mine(event) and event.get("sender") == self.peer_channel

    async def visit_relay(self, event: dict) -> None:
        if self._from_peer(event):
            await self._send(event["frame"])

    async def visit_media(self, event: dict) -> None:
        if self._from_peer(event):
            await self._send({"type": "peer_media", **event["state"]})

    async def visit_chat(self, event: dict) -> None:
        if self._from_peer(event):
            await self._send({"type": "chat", **event["message"]})

    async def visit_waiting(self, event: dict) -> None:
        if self._mine(event) and self.role == "therapist":
            self.peer_channel = event["sender"]
            await self._send({"type": "waiting"})

    async def visit_peer_joined(self, event: dict) -> None:
        if self._mine(event):
            self.peer_channel = event["sender"]
            await self._send({"type": "peer_joined"})

    async def visit_peer_left(self, event: dict) -> None:
        if self._from_peer(event):
            self.peer_channel = ""
            await self._send({"type": "peer_left"})

    async def visit_admitted(self, event: dict) -> None:
        if self._mine(event):
            self.admitted = True
            await self._send({"type": "admitted"})

    async def visit_ended(self, event: dict) -> None:
        if self._mine(event):
            await self._send({"type": "ended"})
            await self.close(code=CLOSE_ENDED)

    async def visit_replaced(self, event: dict) -> None:
        if self._mine(event):
            await self._send({"type": "replaced"})
            self.room = ""  # the new socket owns presence now; do not clear it on the way out
            await self.close(code=CLOSE_REPLACED)

    # --- helpers -------------------------------------------------------------------------------

    def _event(self, kind: str, **extra) -> dict:
        return {"type": kind, "room": self.room, "sender": self.channel_name, **extra}

    async def _send(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame))

    async def _error(self, code: str, message: str) -> None:
        await self._send({"type": "error", "code": code, "message": message})

    async def _strike(self, code: str, message: str) -> None:
        self.strikes += 1
        if self.strikes >= MAX_STRIKES:
            await self.close(code=CLOSE_FLOOD)
            return
        await self._error(code, message)


def _parse(text: str) -> dict | None:
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None
    return frame


def _clean_signal(frame: dict) -> dict | None:
    """Rebuild a signalling frame from known fields only (nothing else is relayed)."""
    kind = frame["type"]
    if kind in ("offer", "answer"):
        sdp = frame.get("sdp")
        ok = isinstance(sdp, str) and 0 < len(sdp) <= MAX_SDP_CHARS
        return {"type": kind, "sdp": sdp} if ok else None
    if kind == "candidate":
        return _clean_candidate(frame.get("candidate"))
    return {"type": "restart"}


def _clean_candidate(candidate) -> dict | None:
    if candidate is None:  # end of candidates
        return {"type": "candidate", "candidate": None}
    if not isinstance(candidate, dict) or not isinstance(candidate.get("candidate"), str):
        return None
    if len(candidate["candidate"]) > MAX_CANDIDATE_CHARS:
        return None
    mid, index, ufrag = candidate.get("sdpMid"), candidate.get("sdpMLineIndex"), candidate.get("usernameFragment")
    if mid is not None and not (isinstance(mid, str) and len(mid) <= 64):
        return None
    if index is not None and not (isinstance(index, int) and 0 <= index < 64):
        return None
    if ufrag is not None and not (isinstance(ufrag, str) and len(ufrag) <= 256):
        return None
    clean = {"candidate": candidate["candidate"], "sdpMid": mid, "sdpMLineIndex": index, "usernameFragment": ufrag}
    return {"type": "candidate", "candidate": clean}
