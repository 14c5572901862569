"""The live chat socket: one connection per person per conversation (``/ws/messages/<conversation id>/``).

Thin: it authorises in ``connect()`` with the same policy as the pages and API,
takes the person only from ``scope["user"]``, turns frames into service calls
and service results into frames (docs/messaging.md). Bad input gets an error
frame or a close code; nothing a client sends can crash the consumer or reach
another conversation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.functional import LazyObject, empty

from confide.accounts.middleware import LAST_SEEN_KEY
from confide.accounts.models import Role
from confide.core import jsontext
from confide.core.net import client_ip, user_agent
from confide.core.sockets import NoPerFrameConnectionCheck
from confide.messaging import dbpool, frames, policies, services
from confide.messaging.models import Conversation, Message
from confide.messaging.ratelimit import rate_limited, rate_limited_many
from confide.messaging.sendqueue import send_queue
from confide.privacy.audit import RequestContext

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32 * 1024
MAX_BAD_FRAMES = 10
MAX_LIMITED_FRAMES = 50  # frames refused by the rate limit before the socket is closed
MAX_IN_FLIGHT = 64  # sends of one socket waiting for their commit; the next frame waits beyond this
REMEMBERED_KEYS = 512  # keys this socket sent, so their echo through the group is not sent back to it
TYPING_INTERVAL = 1.0
SESSION_CHECK_SECONDS = 60  # also the pace of the head frame and of the presence beacon

# Close codes (4000–4999 are ours; see docs/messaging.md).
CLOSE_UNAUTHENTICATED = 4401  # not signed in, or signed out / idle-locked
CLOSE_FORBIDDEN = 4403  # a clinician without two-factor authentication
CLOSE_NOT_FOUND = 4404  # unknown conversation, or not one of yours
CLOSE_BAD_INPUT = 4400  # too many malformed frames
CLOSE_FLOOD = 4429  # far over the rate limit
CLOSE_UNAVAILABLE = 1011  # the server could not open the conversation (database unavailable); retry later


class ChatConsumer(NoPerFrameConnectionCheck, AsyncWebsocketConsumer):
    conversation: Conversation | None = None
    joined = False
    user_id = ""

    # --- connection ------------------------------------------------------------------------------

    async def connect(self) -> None:
        self.user = _unwrapped(self.scope.get("user"))
        self.bad_frames = 0
        self.limited_frames = 0
        self.in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.sent_keys: OrderedDict[str, None] = OrderedDict()
        self.last_typing = 0.0
        self.session_checked = time.monotonic()
        try:
            refusal, ready = await dbpool.run(self._open)
        except Exception:  # noqa: BLE001 — e.g. the database is restarting: refuse this socket, keep the process
            log.exception("chat socket could not be opened")
            refusal, ready = CLOSE_UNAVAILABLE, None
        await self.accept()
        if refusal:
            await self.close(code=refusal)
            return
        await self.channel_layer.group_add(self.conversation.group_name, self.channel_name)
        self.joined = True
        await self._send_json(ready)
        await self._announce()
        self.watcher = asyncio.ensure_future(self._watch_session())

    def _open(self) -> tuple[int, dict | None]:
        """Authorise and build the ready frame in one trip to the database thread."""
        refusal = self._authorise()
        return (refusal, None) if refusal else (0, self._ready_frame())

    def _authorise(self) -> int:
        """0 when the person may open this conversation, else the close code (refusals are audited)."""
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active or self._idle_locked():
            return CLOSE_UNAUTHENTICATED
        from confide.accounts.policies import has_mfa

        if user.role in (Role.THERAPIST, Role.STAFF) and not has_mfa(user):
            return CLOSE_FORBIDDEN
        if rate_limited(user.pk, bucket="open", limit=settings.MESSAGE_SOCKET_OPENS_PER_MINUTE):
            return CLOSE_FLOOD  # before any lookup or audit: a loop of opens costs the server almost nothing
        self.ctx = RequestContext(user=user, ip=client_ip(self.scope), user_agent=user_agent(self.scope))
        conv = Conversation.objects.select_related("client", "therapist").filter(
            pk=self.scope["url_route"]["kwargs"]["conversation_id"]
        )
        conversation = conv.first()
        if conversation is None:
            return CLOSE_NOT_FOUND
        try:
            services.open_conversation(self.ctx, conversation)
        except Http404:
            return CLOSE_NOT_FOUND
        self.conversation = conversation
        self.user_id = str(user.pk)  # compared with each delivered frame's sender (the echo rule)
        return 0

    def _idle_locked(self) -> bool:
        """The HTTP idle lock's rule, read from the same session (accounts/middleware.py)."""
        session = self.scope.get("session")
        if session is None:
            return True
        last_seen = session.get(LAST_SEEN_KEY)
        return last_seen is not None and time.time() - float(last_seen) > settings.IDLE_MINUTES * 60

    def _session_still_valid(self) -> bool:
        """Still signed in (same session, not idle-locked) and the account still active (two queries)."""
        from django.contrib.auth import SESSION_KEY, get_user_model

        session = self.scope["session"]
        stored = session.__class__(session.session_key)
        if stored.get(SESSION_KEY) != str(self.user.pk) or self._idle_stored(stored):
            return False
        # A deactivated account (a therapist removed from the practice) loses its open sockets too:
        # the HTTP side refuses inactive users on every request, the socket checks at this pace.
        return get_user_model().objects.filter(pk=self.user.pk, is_active=True).exists()

    def _head_if_still_valid(self) -> int | None:
        """The conversation's last sequence number, or None when the socket must close (not PHI: a counter)."""
        if not self._session_still_valid():
            return None
        return Conversation.objects.filter(pk=self.conversation.pk).values_list("last_seq", flat=True).first() or 0

    @staticmethod
    def _idle_stored(stored) -> bool:
        last_seen = stored.get(LAST_SEEN_KEY)
        return last_seen is not None and time.time() - float(last_seen) > settings.IDLE_MINUTES * 60

    async def _watch_session(self) -> None:
        """Once a minute: close the socket if the person signed out, idled or was deactivated; else send the head.

        The head (``{"type": "head", "seq": N}``, the conversation's last sequence
        number) lets a quiet page notice an event the channel layer dropped (the bus
        is best effort: a Redis restart, a full queue) and resync, instead of
        waiting for the next message to reveal the gap (docs/messaging.md).
        """
        while True:
            try:
                await asyncio.sleep(SESSION_CHECK_SECONDS)
                head = await dbpool.run(self._head_if_still_valid)
                if head is None:
                    await self.close(code=CLOSE_UNAUTHENTICATED)
                    return
                self.session_checked = time.monotonic()  # frames need not check again this minute
                await self._send_json({"type": "head", "seq": head})
                await self._announce(reply=True)  # still here: pages forget a presence not renewed (crash)
            except asyncio.CancelledError:
                return
            except Exception:  # noqa: BLE001 — a database hiccup: check again next round
                log.warning("chat session check failed; retrying", exc_info=True)

    def _ready_frame(self) -> dict:
        conv = self.conversation  # just read by _authorise: last_seq is current
        return {
            "type": "ready",
            "conversation": str(conv.pk),
            "user": str(self.user.pk),
            "last_seq": conv.last_seq,
            "can_send": policies.can_send_message(self.user, conv),
        }

    async def disconnect(self, code) -> None:
        watcher = getattr(self, "watcher", None)
        if watcher is not None:
            watcher.cancel()
        if self.joined:
            await self._announce(online=False)
            await self.channel_layer.group_discard(self.conversation.group_name, self.channel_name)

    # --- incoming frames ---------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            await self._receive(text_data, bytes_data)
        except Exception:  # noqa: BLE001 — one bad frame must never take the socket (or others) down
            log.exception("chat frame failed (type and content not logged)")
            await self._error("server_error", "Something went wrong on our side. Please try again.")
        if self.limited_frames > MAX_LIMITED_FRAMES:
            await self.close(code=CLOSE_FLOOD)

    async def _receive(self, text_data, bytes_data) -> None:
        if text_data is None:
            return await self._bad("binary_not_supported", "Send text (JSON) frames only.")
        if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode()) > MAX_FRAME_BYTES:
            return await self._bad("frame_too_large", f"A frame can be at most {MAX_FRAME_BYTES // 1024} KB.")
        try:
            frame = json.loads(text_data)
        except ValueError:
            return await self._bad("malformed_json", "That frame is not valid JSON.")
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self._bad("malformed_frame", "A frame is a JSON object with a “type”.")
        if "conversation" in frame and frame["conversation"] != str(self.conversation.pk):
            return await self._error("wrong_conversation", "This socket belongs to another conversation.", frame)
        kind = frame["type"]
        if kind == "typing":
            return await self._typing()
        if kind == "ping":
            return await self._send_json({"type": "pong"})
        handler = {"send": self._on_send, "edit": self._on_edit, "sync": self._on_sync, "read": self._on_read}
        if kind not in handler:
            return await self._bad("unknown_type", f"Unknown frame type “{kind[:32]}”.")
        await handler[kind](frame)

    async def _bad(self, code: str, text: str) -> None:
        self.bad_frames += 1
        await self._error(code, text)
        if self.bad_frames >= MAX_BAD_FRAMES:
            await self.close(code=CLOSE_BAD_INPUT)

    async def _on_send(self, frame: dict) -> None:
        """Queue the send and go on reading frames: a socket may pipeline sends (each acked after its commit).

        Channels handles one frame at a time per socket; waiting here for the commit
        would put every send of a busy socket in its own write. Sends are queued in
        the order they arrive, so their sequence numbers and acks keep that order.
        At most ``MAX_IN_FLIGHT`` wait per socket; then the next frame waits.
        """
        await self.in_flight.acquire()
        key = frame.get("key")
        if isinstance(key, str):
            self.sent_keys[key[:64]] = None
            while len(self.sent_keys) > REMEMBERED_KEYS:
                self.sent_keys.popitem(last=False)
        asyncio.ensure_future(self._complete_send(frame))

    async def _complete_send(self, frame: dict) -> None:
        try:
            reply, stored = await send_queue(write_sends).submit((self, frame))
            for out in reply:  # the ack: the message is committed (and already published to the group)
                await self._send_json(out)
            if any(out.get("code") == "signed_out" for out in reply):
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            if self.limited_frames > MAX_LIMITED_FRAMES:
                await self.close(code=CLOSE_FLOOD)
                return
            if stored is not None:
                # Ack first, then escalate (outside the send transaction: it must not hold the conversation lock).
                crisis = await dbpool.run(self._screen, stored)
                if crisis:
                    await self._send_json(crisis)
        except Exception:  # noqa: BLE001 — one failed send must never take the socket (or others) down
            log.exception("chat send failed (content not logged)")
            await self._error("server_error", "Something went wrong on our side. Please try again.", frame)
        finally:
            self.in_flight.release()

    def _send_request(self, frame: dict, wait: int) -> services.SendRequest | dict:
        """The request to store, or the error frame that refuses it before any write.

        ``wait``: this frame's place in the person's rate budget, counted for the
        whole burst at once (``write_sends``).
        """
        self.limited_frames = self.limited_frames + 1 if wait else 0
        if wait:
            return self._error_frame("rate_limited", "You are sending too fast; wait a moment.", frame, wait)
        if not self._session_fresh():
            return self._error_frame("signed_out", "You were signed out. Sign in again to send.", frame)
        kind = frame.get("kind") if frame.get("kind") in ("chat", "letter") else "chat"
        return services.SendRequest(
            self.ctx,
            self.conversation,
            body=frame.get("body", ""),
            idempotency_key=frame.get("key", ""),
            kind=kind,
            subject=frame.get("subject", ""),
        )

    def _send_reply(self, frame: dict, outcome) -> tuple[list[dict], Message | None]:
        """(frames for the sender, the new message when its escalation is still to run)."""
        if isinstance(outcome, ValidationError):
            return [self._error_frame("invalid", _sentence(outcome), frame)], None
        if isinstance(outcome, Http404):
            return [self._error_frame("closed", "This conversation no longer accepts new messages.", frame)], None
        if isinstance(outcome, Exception):
            raise outcome
        if not outcome.created:
            return [outcome.ack()] + ([self._crisis_frame()] if outcome.urgent else []), None
        return [outcome.ack()], outcome.message if outcome.needs_screening else None

    async def _on_edit(self, frame: dict) -> None:
        for out in await dbpool.run(self._edit, frame):
            await self._send_json(out)

    def _edit(self, frame: dict) -> list[dict]:
        wait = self._throttled()
        if wait:
            return [self._error_frame("rate_limited", "You are sending too fast; wait a moment.", frame, wait)]
        if not self._session_fresh():
            return [self._error_frame("signed_out", "You were signed out. Sign in again to edit.", frame)]
        message = _message_in(self.conversation, frame.get("id"))
        if message is None:
            return [self._error_frame("not_found", "There is no such message in this conversation.", frame)]
        try:
            result = services.edit_message(self.ctx, message, frame.get("body", ""))
        except ValidationError as exc:
            return [self._error_frame("invalid", _sentence(exc), frame)]
        except Http404:
            return [self._error_frame("not_allowed", "You can only edit your own recent messages.", frame)]
        out = [{"type": "edit_ack", "id": str(result.message.id), "seq": result.message.version_seq}]
        return out + ([self._crisis_frame()] if result.urgent else [])

    async def _on_sync(self, frame: dict) -> None:
        await self._send_json(await dbpool.run(self._resync, frame))

    def _resync(self, frame: dict) -> dict:
        wait = self._throttled()
        if wait:
            return self._error_frame("rate_limited", "You are sending too fast; wait a moment.", frame, wait)
        after = frame.get("after", 0)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            return self._error_frame("invalid", "“after” must be a sequence number (0 or more).", frame)
        if not self._session_fresh():
            return self._error_frame("signed_out", "You were signed out. Sign in again to read.", frame)
        try:
            services.open_conversation(self.ctx, self.conversation, action="conversation.sync")
        except Http404:
            return self._error_frame("not_found", "This conversation is no longer available to you.", frame)
        changes = services.changes_after(self.conversation, after)
        return {"type": "sync", "after": after, "upto": changes.upto, "more": changes.more, "frames": changes.frames}

    async def _on_read(self, frame: dict) -> None:
        out = await dbpool.run(self._read, frame)
        if out:
            await self._send_json(out)

    def _read(self, frame: dict) -> dict | None:
        seq = frame.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            return self._error_frame("invalid", "“seq” must be a sequence number.", frame)
        if self._throttled():
            return None  # read receipts are advisory: dropping one under a flood loses nothing
        services.mark_read(self.ctx, self.conversation, seq)
        return None

    async def _typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return
        self.last_typing = now
        await self._group("conversation.typing", {"user": str(self.user.pk)})

    def _throttled(self) -> int:
        wait = rate_limited(self.user.pk)
        self.limited_frames = self.limited_frames + 1 if wait else 0
        return wait

    def _session_fresh(self) -> bool:
        """Re-read the session at most once a minute while frames arrive (sign-out elsewhere, idle lock)."""
        if time.monotonic() - self.session_checked < SESSION_CHECK_SECONDS:
            return True
        self.session_checked = time.monotonic()
        return self._session_still_valid()

    def _screen(self, message: Message) -> dict | None:
        """Screen a just-acknowledged client message; the crisis frame when it was urgent."""
        from confide.messaging.services.sending import screen_after_commit

        return self._crisis_frame() if screen_after_commit(self.ctx, message) else None

    def _crisis_frame(self) -> dict:
        """Tell the client's page to show crisis resources now (their country's lines)."""
        from dataclasses import asdict

        from confide.safety.escalation import crisis_resources_for_client

        resources = asdict(crisis_resources_for_client(self.user))
        return {"type": "crisis", "resources": resources, "help_url": "/help/"}

    # --- events from the channel layer -------------------------------------------------------------

    async def conversation_frames(self, event: dict) -> None:
        try:
            items = frames.opened(event)
        except Exception:  # noqa: BLE001 — e.g. a process with other data keys on the bus: resync covers it
            log.warning("could not open a conversation event (data keys differ between processes?)")
            return
        for sender, key, text in items:
            if not self._own_echo(sender, key):
                await self._send_text(text)

    def _own_echo(self, sender: str | None, key: str | None) -> bool:
        """A message this very socket sent: its ack already carries id, seq and time (other tabs still get it)."""
        return sender is not None and sender == self.user_id and key in self.sent_keys

    async def conversation_presence(self, event: dict) -> None:
        if event["user"] == str(self.user.pk):
            if not event["online"] and event.get("channel") != self.channel_name:
                # Another tab of this person closed: this one is still here, so say so again.
                await self._announce(reply=True)
            return
        await self._send_json({"type": "presence", "user": event["user"], "online": event["online"]})
        if event["online"] and not event["reply"]:
            await self._announce(reply=True)

    async def _announce(self, *, online: bool = True, reply: bool = False) -> None:
        payload = {"user": str(self.user.pk), "online": online, "reply": reply, "channel": self.channel_name}
        await self._group("conversation.presence", payload)

    async def conversation_typing(self, event: dict) -> None:
        if event["user"] != str(self.user.pk):
            await self._send_json({"type": "typing", "user": event["user"]})

    # --- helpers -----------------------------------------------------------------------------------

    async def _group(self, event_type: str, payload: dict) -> None:
        await self.channel_layer.group_send(self.conversation.group_name, {"type": event_type, **payload})

    async def _send_json(self, frame: dict) -> None:
        await self._send_text(jsontext.dumps(frame))

    async def _send_text(self, text: str) -> None:
        try:
            await self.send(text_data=text)
        except OSError:  # the client went away mid-reply (uvicorn's ClientDisconnected): nothing left to tell
            log.debug("chat socket closed before a frame could be sent")

    async def _error(self, code: str, text: str, frame: dict | None = None) -> None:
        await self._send_json(self._error_frame(code, text, frame))

    @staticmethod
    def _error_frame(code: str, text: str, frame: dict | None = None, retry_after: int = 0) -> dict:
        out: dict = {"type": "error", "code": code, "message": text}
        if isinstance(frame, dict) and isinstance(frame.get("key"), str):
            out["key"] = frame["key"][:64]
        if retry_after:
            out["retry_after"] = retry_after
        return out


def presence_ttl_seconds() -> float:
    """How long a page believes "online" without a beacon: two and a half beacons.

    A socket announces "offline" when it closes, but a process killed outright
    announces nothing; without this the other side would show "online" forever.
    """
    return SESSION_CHECK_SECONDS * 2.5


def write_sends(items: list[tuple[ChatConsumer, dict]]) -> tuple[list, list]:
    """The send queue's write (on a chat database thread): every socket's frame of this burst, in one transaction.

    Returns, per item, ``(frames for the sender, message to escalate or None)`` or the exception,
    and the committed frames the queue publishes before it acks.
    """
    waits = rate_limited_many([consumer.user.pk for consumer, _ in items])  # one count for the burst
    prepared = [consumer._send_request(frame, wait) for (consumer, frame), wait in zip(items, waits, strict=True)]
    requests = [p for p in prepared if isinstance(p, services.SendRequest)]
    publications: list = []
    outcomes = iter(services.send_messages(requests, screen_now=False, publications=publications))
    replies: list = []
    for (consumer, frame), request in zip(items, prepared, strict=True):
        if isinstance(request, dict):
            replies.append(([request], None))
            continue
        try:
            replies.append(consumer._send_reply(frame, next(outcomes)))
        except Exception as exc:  # noqa: BLE001 — handed to that sender's receive(), which answers with an error frame
            replies.append(exc)
    return replies, publications


def _unwrapped(user):
    """The user object itself, not Channels' lazy proxy of it (resolved by its auth middleware before connect).

    Every message of the socket reads the user many times (policy, audit actor,
    echo rule): through the proxy each attribute cost a Python-level
    ``__getattribute__``, about 6 % of a chat server's CPU (docs/performance.md).
    """
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def _message_in(conversation: Conversation, message_id) -> Message | None:
    try:
        pk = uuid.UUID(str(message_id))
    except ValueError:
        return None
    return Message.objects.select_related("conversation").filter(pk=pk, conversation=conversation).first()


def _sentence(exc: ValidationError) -> str:
    """A ValidationError as one sentence a person understands."""
    if hasattr(exc, "message_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)
