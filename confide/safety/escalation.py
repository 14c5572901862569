"""Escalation: turn a risk signal into a recorded safety event and alerts.

Signals: PHQ-9 item 9 above 0, the C-SSRS screener's risk, an ``urgent`` (or
``concern``) screening of client text, and the client's "I need help now".

Routing (docs/safety.md):
- ``moderate`` / ``high`` (full escalation): in-app alert to each treating
  therapist and each on-call staff member (every active staff member when no
  shift is current), plus an e-mail without PHI; the client is shown crisis
  resources for their country.
- ``low`` (for review): in-app alert to the treating therapists only (on-call
  staff when the client has no therapist); no e-mail.

Signals about the same thing (``source_ref``, e.g. a PHQ-9 and the C-SSRS that
follows it) update one open event: its level only rises, and people are alerted
again only when it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from confide.accounts.models import CareRelationship, Role, User
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.safety import policies
from confide.safety.models import LEVEL_RANK, Alert, Level, OnCallShift, SafetyEvent, Source

HELP_BUTTON_REPEAT_WINDOW = timedelta(minutes=15)
MIN_CLOSE_NOTE_CHARS = 10
MAX_REASONS = 20
MAX_TRIGGER_TEXT = 20_000
TEXT_ORIGINS = ("intake", "message", "note", "measure", "other")


def escalate(
    ctx: RequestContext,
    client: User,
    *,
    source: str,
    level: str,
    reasons: list[str],
    source_ref: str = "",
    text: str = "",
) -> SafetyEvent:
    """Record (or raise) a safety event for ``client`` and alert the people who must act.

    Side effects: audit event ``safety_event.open`` or ``safety_event.raise``;
    ``Alert`` rows; after commit, one e-mail task per alert of a full escalation.
    """
    source, level = _checked(client, source, level)
    reasons = [str(r)[:300] for r in reasons][:MAX_REASONS]
    with transaction.atomic():
        event = _open_event_to_update(client, source, source_ref)
        if event is None:
            event = SafetyEvent(client=client, source=source, level=level, source_ref=source_ref[:64])
            event.reasons = reasons  # an encrypted JSON list (the stubs see a text column)
            event.trigger_text = (text or "")[:MAX_TRIGGER_TEXT]
            event.save()
            record_event(ctx, "safety_event.open", object_type="safety_event", object_id=event.pk, subject=client)
            _alert(event)
        elif _merge(event, level, reasons, text):
            record_event(ctx, "safety_event.raise", object_type="safety_event", object_id=event.pk, subject=client)
            _alert(event)
    return event


def _checked(client: User, source: str, level: str) -> tuple[str, str]:
    if getattr(client, "role", None) != Role.CLIENT:
        raise ValidationError("Safety events are about clients.")
    if source not in Source.values:
        raise ValidationError(f"Unknown safety source {source!r}.")
    if level not in Level.values:
        raise ValidationError(f"Unknown safety level {level!r}.")
    return source, level


def _open_event_to_update(client: User, source: str, source_ref: str) -> SafetyEvent | None:
    events = SafetyEvent.objects.select_for_update().filter(client=client, status=SafetyEvent.Status.OPEN)
    if source_ref:
        return events.filter(source_ref=source_ref[:64]).first()
    if source == Source.HELP_BUTTON:
        # Pressing the button again while help is on its way must not flood people with alerts.
        since = timezone.now() - HELP_BUTTON_REPEAT_WINDOW
        return events.filter(source=source, created_at__gte=since).first()
    return None


def _merge(event: SafetyEvent, level: str, reasons: list[str], text: str) -> bool:
    """Add new reasons (and text) to an open event; True when its level rose."""
    raised = LEVEL_RANK[Level(level)] > LEVEL_RANK[Level(event.level)]
    event.reasons = (list(event.reasons or []) + [r for r in reasons if r not in (event.reasons or [])])[:MAX_REASONS]
    if text:
        joined = f"{event.trigger_text}\n---\n{text}" if event.trigger_text else text
        event.trigger_text = joined[:MAX_TRIGGER_TEXT]
    if raised:
        event.level = level
    event.save()
    return raised


def alert_recipients(event: SafetyEvent) -> list[User]:
    """Treating therapists; plus on-call staff for a full escalation (or when there is no therapist)."""
    therapists = list(policies.treating_therapists(event.client))
    if event.is_full_escalation or not therapists:
        return therapists + [s for s in on_call_staff() if s not in therapists]
    return therapists


def on_call_staff() -> list[User]:
    """Staff on a current shift; every active staff member when nobody is on call."""
    on_shift = User.objects.filter(
        role=Role.STAFF, is_active=True, on_call_shifts__in=OnCallShift.objects.current()
    ).distinct()
    if on_shift.exists():
        return list(on_shift)
    return list(User.objects.filter(role=Role.STAFF, is_active=True))


def _alert(event: SafetyEvent) -> None:
    alerts = [Alert.objects.create(recipient=person, event=event) for person in alert_recipients(event)]
    if not event.is_full_escalation:
        return
    from confide.safety.tasks import send_safety_alert_email

    for alert in alerts:
        transaction.on_commit(partial(send_safety_alert_email.enqueue, str(alert.pk)))


def close_safety_event(ctx: RequestContext, event: SafetyEvent, note: str) -> SafetyEvent:
    """Close an event with a follow-up note (``policies.can_close_safety_event``).

    The treating therapist closes it; when the client has no therapist, on-call
    staff do — otherwise nobody could, and it would stay open for ever.
    Side effects: audit event ``safety_event.close``; the event's alerts are
    marked read for everyone.
    """
    # People who may see the event (on-call staff) learn they may not close it (403); others get 404.
    seen = ctx.user is not None and policies.can_see_safety_event(ctx.user, event)
    authorize(
        ctx,
        policies.can_close_safety_event,
        event,
        action="safety_event.close",
        subject=event.client,
        hide_existence=not seen,
    )
    note = (note or "").strip()
    if len(note) < MIN_CLOSE_NOTE_CHARS:
        raise ValidationError(
            {"note": f"Write what you did to follow up (at least {MIN_CLOSE_NOTE_CHARS} characters)."}
        )
    with transaction.atomic():
        event = SafetyEvent.objects.select_for_update().get(pk=event.pk)
        if not event.is_open:
            raise ValidationError("This safety event is already closed.")
        now = timezone.now()
        event.status, event.closed_by, event.closed_at, event.close_note = (
            SafetyEvent.Status.CLOSED,
            ctx.user,
            now,
            note,
        )
        event.save()
        Alert.objects.filter(event=event, read_at__isnull=True).update(read_at=now)
        record_event(ctx, "safety_event.close", object_type="safety_event", object_id=event.pk, subject=event.client)
    return event


@dataclass(frozen=True)
class Told:
    """Who has been (or would be) alerted about a client — what the client is told, and no more.

    Why: a client without a therapist must never read "your therapist has been told".
    """

    therapist: bool = False
    on_call: bool = False

    @property
    def anyone(self) -> bool:
        return self.therapist or self.on_call

    @property
    def who(self) -> str:
        """The subject of "… has been told": empty when nobody was alerted."""
        if self.therapist and self.on_call:
            return "Your therapist and our on-call team"
        return "Your therapist" if self.therapist else "Our on-call team" if self.on_call else ""

    @property
    def verb(self) -> str:
        return "have" if self.therapist and self.on_call else "has"

    @property
    def sentence(self) -> str:
        if not self.anyone:
            return "Nobody from our team could be reached right now."
        return f"{self.who} {self.verb} been told."

    @property
    def alerted(self) -> list[str]:
        return [name for name, told in (("therapist", self.therapist), ("on_call", self.on_call)) if told]


def who_was_told(event: SafetyEvent) -> Told:
    """Who this event actually alerted (its ``Alert`` rows), by role."""
    roles = set(Alert.objects.filter(event=event).values_list("recipient__role", flat=True))
    return Told(therapist=Role.THERAPIST in roles, on_call=Role.STAFF in roles)


def who_would_be_told(client: User) -> Told:
    """Who a full escalation for ``client`` would alert now (for the text beside the help button)."""
    return Told(therapist=policies.treating_therapists(client).exists(), on_call=bool(on_call_staff()))


def latest_open_escalation(client: User, *, since: datetime | None = None) -> SafetyEvent | None:
    """The client's newest open moderate/high event (created after ``since``), if any."""
    events = SafetyEvent.objects.filter(client=client, status=SafetyEvent.Status.OPEN).exclude(level=Level.LOW)
    if since is not None:
        events = events.filter(created_at__gte=since)
    return events.order_by("-created_at").first()


def highest_open_level(client: User) -> str:
    """The highest level among the client's open events, ``"none"`` without any (a triage fact)."""
    levels = SafetyEvent.objects.filter(client=client, status=SafetyEvent.Status.OPEN).values_list("level", flat=True)
    return max(set(levels), key=lambda level: LEVEL_RANK[Level(level)], default="none")


def request_help_now(ctx: RequestContext, client: User) -> SafetyEvent:
    """The client pressed "I need help now": a high-level escalation."""
    authorize(ctx, policies.can_request_help, client, action="safety.help_now", subject=client, hide_existence=False)
    reasons = ["The client pressed “I need help now”."]
    return escalate(ctx, client, source=Source.HELP_BUTTON, level=Level.HIGH, reasons=reasons)


def screen_client_text(ctx: RequestContext, client: User, text: str, *, source: str, source_ref: str = "", locale="en"):
    """Screen text a client wrote; escalate ``urgent`` (high) and record ``concern`` (low, for review).

    ``source`` says where the text came from (``intake``, ``message``, ``note``,
    …). The caller has already authorised the write that carries the text.
    Returns the screening helper's ``Screening(level, reasons)``.
    """
    from confide.safety.screening import screen_text

    origin = source if source in TEXT_ORIGINS else "other"
    screening = screen_text(text if isinstance(text, str) else "", locale=locale)
    level = {"urgent": Level.HIGH, "concern": Level.LOW}.get(screening.level)
    if level is not None:
        reasons = [f"Screening of {origin} text: {reason}" for reason in screening.reasons] or [
            f"Screening of {origin} text found {screening.level} language."
        ]
        escalate(
            ctx,
            client,
            source=Source.TEXT_SCREENING,
            level=level,
            reasons=reasons,
            source_ref=source_ref,
            text=text,
        )
    return screening


def mark_alert_read(ctx: RequestContext, alert: Alert) -> None:
    authorize(ctx, policies.can_read_alert, alert, action="safety_alert.read")
    Alert.objects.filter(pk=alert.pk, read_at__isnull=True).update(read_at=timezone.now())


def crisis_resources_for_client(client: User):
    """Crisis lines and emergency numbers for where the client usually is (their profile's jurisdiction)."""
    from confide.accounts.services import client_profile_for
    from confide.safety.resources import crisis_resources_for

    code = ""
    if getattr(client, "role", None) == Role.CLIENT:
        code = client_profile_for(client).jurisdiction or ""
    return crisis_resources_for(code)


def events_visible_to(user: User, *, status: str | None = SafetyEvent.Status.OPEN):
    """Safety events the user may know about: their clients' (therapist) or all (on-call staff)."""
    qs = SafetyEvent.objects.select_related("client")
    if status:
        qs = qs.filter(status=status)
    if policies.is_on_call(user):
        return qs
    if getattr(user, "role", None) == Role.THERAPIST:
        return qs.filter(
            client__care_as_client__therapist=user, client__care_as_client__status=CareRelationship.Status.ACTIVE
        ).distinct()
    return qs.none()


def unread_alert_count(user: User) -> int:
    """Events with an unread alert: an event that rose (alerted twice) counts once."""
    return Alert.objects.filter(recipient=user, read_at__isnull=True).values("event").distinct().count()


@dataclass(frozen=True)
class AlertRow:
    event: SafetyEvent
    last_alerted_at: datetime
    unread: bool


def alerts_for(user: User, *, limit: int = 50) -> list[AlertRow]:
    """The person's alerts, one row per event (newest alert first) — an event alerts again when it rises."""
    grouped = list(
        Alert.objects.filter(recipient=user)
        .values("event")
        .annotate(last=Max("created_at"), unread=Count("pk", filter=Q(read_at__isnull=True)))
        .order_by("-last")[:limit]
    )
    events = SafetyEvent.objects.in_bulk([row["event"] for row in grouped])
    return [AlertRow(events[row["event"]], row["last"], row["unread"] > 0) for row in grouped]


def start_on_call(ctx: RequestContext) -> OnCallShift:
    """The acting staff member goes on call (open-ended until they end it)."""
    authorize(ctx, policies.can_manage_on_call, ctx.user, action="on_call.start", hide_existence=False)
    with transaction.atomic():
        shift = OnCallShift.objects.current().filter(staff=ctx.user).first()
        if shift is None:
            shift = OnCallShift.objects.create(staff=ctx.user)
            record_event(ctx, "on_call.start", object_type="on_call_shift", object_id=shift.pk)
    return shift


def end_on_call(ctx: RequestContext) -> None:
    authorize(ctx, policies.can_manage_on_call, ctx.user, action="on_call.end", hide_existence=False)
    with transaction.atomic():
        for shift in OnCallShift.objects.current().filter(staff=ctx.user):
            shift.ends_at = timezone.now()
            shift.save(update_fields=["ends_at"])
            record_event(ctx, "on_call.end", object_type="on_call_shift", object_id=shift.pk)
