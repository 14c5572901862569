"""What happens while the room is live: presence, media state and modality segments, in-session chat.

Presence is the Channels channel name of each participant's current socket,
kept on the visit row so the other side's consumer can send to it directly
(house style: explicit recipients, no broadcast groups holding names).
"""

from __future__ import annotations

from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.telehealth import policies
from confide.telehealth.models import ChatMessage, Segment, Visit

CHAT_MAX_CHARS = 2000
MEDIA_FLAGS = ("connected", "audio", "video", "screen")
QUALITIES = ("good", "fair", "poor", "unknown")


def role_of(user, visit: Visit) -> str:
    return "therapist" if user.pk == visit.appointment.therapist_id else "client"


# --- presence --------------------------------------------------------------------------------------


def arrive(visit: Visit, role: str, channel: str) -> tuple[Visit, str] | None:
    """Record ``channel`` as ``role``'s socket; returns the fresh visit and the channel it replaced ('' if none).

    None when the visit ended meanwhile (a join racing the therapist's "End visit").
    """
    field = f"{role}_channel"
    with transaction.atomic():
        fresh = Visit.objects.select_for_update().select_related("appointment").get(pk=visit.pk)
        if fresh.state == Visit.State.ENDED:
            return None
        previous = getattr(fresh, field)
        setattr(fresh, field, channel)
        setattr(fresh, f"{role}_media", {})
        fresh.save(update_fields=[field, f"{role}_media", "updated_at"])
    return fresh, previous if previous != channel else ""


def leave(visit: Visit, role: str, channel: str, *, now: datetime | None = None) -> Visit | None:
    """Forget ``channel`` if it is still ``role``'s socket; the segment follows (chat until media resumes)."""
    field = f"{role}_channel"
    with transaction.atomic():
        fresh = Visit.objects.select_for_update().select_related("appointment").filter(pk=visit.pk).first()
        if fresh is None or getattr(fresh, field) != channel:
            return None
        setattr(fresh, field, "")
        setattr(fresh, f"{role}_media", {})
        fresh.save(update_fields=[field, f"{role}_media", "updated_at"])
        _update_segment(fresh, now or timezone.now())
    return fresh


def notify_room(visit: Visit, event: dict) -> None:
    """Send a Channels event to each participant's current socket (from sync code, after commit)."""
    fresh = Visit.objects.filter(pk=visit.pk).values("client_channel", "therapist_channel").first() or {}
    layer = get_channel_layer()
    for channel in (fresh.get("client_channel"), fresh.get("therapist_channel")):
        if channel:
            async_to_sync(layer.send)(channel, {**event, "room": visit.room_id})


# --- media state and segments ----------------------------------------------------------------------


def clean_media_state(frame: dict) -> dict:
    """Keep only the known flags (booleans) and a quality word; anything else in the frame is dropped."""
    state = {name: frame.get(name) is True for name in MEDIA_FLAGS}
    quality = frame.get("quality")
    state["quality"] = quality if quality in QUALITIES else "unknown"
    return state


def report_media(ctx: RequestContext, visit: Visit, frame: dict, *, now: datetime | None = None) -> dict:
    """A participant's media state changed (muted, camera off, audio-only, connected …).

    Updates the modality segments (no audit event: times and flags, no PHI).
    Returns the cleaned state, which the consumer relays to the other side.
    """
    if not policies.can_take_part(ctx.user, visit):
        raise ValidationError("Not a participant.")
    state = clean_media_state(frame)
    role = role_of(ctx.user, visit)
    with transaction.atomic():
        fresh = Visit.objects.select_for_update().select_related("appointment").get(pk=visit.pk)
        setattr(fresh, f"{role}_media", state)
        fresh.save(update_fields=[f"{role}_media", "updated_at"])
        _update_segment(fresh, now or timezone.now())
    return state


def current_modality(visit: Visit) -> str:
    """video: media connected and both cameras on; audio: connected otherwise; chat: no media connection.

    Billing reads the segments: audio-video (modifier 95) needs both people on
    camera; an audio-only stretch is modifier 93; chat-only time is neither.
    """
    client, therapist = visit.client_media or {}, visit.therapist_media or {}
    if not (client.get("connected") and therapist.get("connected")):
        return Segment.Modality.CHAT
    if client.get("video") and therapist.get("video") and visit.appointment.modality == "video":
        return Segment.Modality.VIDEO
    return Segment.Modality.AUDIO


def _update_segment(visit: Visit, now: datetime) -> None:
    """Close the open segment and open another when the modality changed (only between admission and end)."""
    if visit.admitted_at is None or visit.state == Visit.State.ENDED:
        return
    modality = current_modality(visit)
    open_segment = Segment.objects.filter(visit=visit, ended_at__isnull=True).first()
    if open_segment is not None and open_segment.modality == modality:
        return
    if open_segment is not None:
        open_segment.ended_at = now
        open_segment.save(update_fields=["ended_at"])
    Segment.objects.create(visit=visit, modality=modality, started_at=now)


def close_open_segment(visit: Visit, now: datetime) -> None:
    Segment.objects.filter(visit=visit, ended_at__isnull=True).update(ended_at=now)


def segment_summary(visit: Visit) -> dict[str, int]:
    """Seconds spent in each modality (open segment counted up to now)."""
    now = timezone.now()
    totals = {choice: 0 for choice in Segment.Modality.values}
    for segment in visit.segments.all():
        totals[segment.modality] += int(((segment.ended_at or now) - segment.started_at).total_seconds())
    return totals


# --- in-session chat -------------------------------------------------------------------------------


def send_chat(ctx: RequestContext, visit: Visit, text: str) -> tuple[ChatMessage, bool]:
    """Store one chat message (encrypted) and screen the client's text for risk.

    Returns the message and whether the screening was urgent (the client's page
    then shows crisis resources). Side effects: audit ``visit_chat.send``;
    a safety event for urgent or concerning client text.
    """
    authorize(ctx, policies.can_take_part, visit, action="visit_chat.send", subject=visit.appointment.client)
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise ValidationError("Write a message first.")
    if len(text) > CHAT_MAX_CHARS:
        raise ValidationError(f"Keep a chat message under {CHAT_MAX_CHARS} characters.")
    urgent = False
    with transaction.atomic():
        # Re-read under lock: a socket opened before "End visit" must not add to a closed record.
        state = Visit.objects.select_for_update().filter(pk=visit.pk).values_list("state", flat=True).first()
        if state == Visit.State.ENDED:
            raise ValidationError("This visit has ended; the chat is closed.")
        message = ChatMessage.objects.create(visit=visit, sender=ctx.user, body=text)
        if ctx.user.pk == visit.appointment.client_id:
            from confide.safety.escalation import screen_client_text

            screening = screen_client_text(
                ctx, visit.appointment.client, text, source="visit_chat", source_ref=f"visit:{visit.pk}"
            )
            urgent = screening.level == "urgent"
    return message, urgent


def chat_history(ctx: RequestContext, visit: Visit) -> list[ChatMessage]:
    """The visit's chat so far, for a page that reloads mid-visit. Side effects: audit ``visit_chat.view``."""
    authorize(ctx, policies.can_take_part, visit, action="visit_chat.view", subject=visit.appointment.client)
    return list(visit.chat_messages.select_related("sender"))


def record_client_waiting(ctx: RequestContext, visit: Visit) -> None:
    record_event(ctx, "visit.waiting", object_type="visit", object_id=visit.pk, subject=visit.appointment.client)
