"""Standard measures: answer (save and resume), complete and score, follow PHQ-9 item 9 with the C-SSRS.

Escalation (docs/safety.md): PHQ-9 item 9 above 0 opens a ``moderate`` safety
event at once and starts the C-SSRS screener; the screener's risk feeds the
same event (it can only raise it). A standalone C-SSRS with any "yes" opens
an event at its own risk level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.intake import policies
from confide.intake.definitions import instrument
from confide.intake.models import MeasureResponse, MeasureSchedule, ResponseStatus
from confide.intake.scoring import clean_answers, cssrs_risk, missing_items, score
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

Instrument = MeasureResponse.Instrument
SESSION_WINDOW = timedelta(hours=72)


@dataclass
class MeasureOutcome:
    response: MeasureResponse
    follow_up: MeasureResponse | None = None  # the C-SSRS to answer next
    safety_event: Any = None  # confide.safety.models.SafetyEvent when one was opened or raised


def start_measure(ctx: RequestContext, client, key: str, *, follows: MeasureResponse | None = None) -> MeasureResponse:
    """The client's unfinished response to ``key``, or a new one (save and resume)."""
    if key not in Instrument.values:
        raise ValidationError({"instrument": "Unknown questionnaire."})
    authorize(ctx, policies.can_answer_intake, client, action="measure.start", subject=client)
    with transaction.atomic():
        response = MeasureResponse.objects.filter(
            client=client, instrument=key, status=ResponseStatus.IN_PROGRESS
        ).first()
        if response is None:
            response = MeasureResponse.objects.create(
                client=client, instrument=key, version=instrument(key)["version"], follows=follows
            )
            record_event(ctx, "measure.start", object_type="measure", object_id=response.pk, subject=client)
        elif follows is not None and response.follows_id is None:
            # An unfinished standalone screener becomes the follow-up of this PHQ-9 (one event, not two).
            response.follows = follows
            response.save(update_fields=["follows", "updated_at"])
    return response


def save_measure_answers(ctx: RequestContext, response: MeasureResponse, answers: dict[str, Any]) -> MeasureResponse:
    """Keep the answers given so far (unknown items and bad values are dropped). Never scores."""
    authorize(ctx, policies.can_answer_intake, response.client, action="measure.answer", subject=response.client)
    if response.is_complete:
        raise ValidationError("This questionnaire is already complete; start a new one.")
    definition = instrument(response.instrument)
    if not isinstance(answers, dict):
        answers = {}
    with transaction.atomic():
        merged = clean_answers(definition, {**(response.answers or {}), **answers})
        response.answers = merged
        response.save(update_fields=["answers", "updated_at"])
        record_event(ctx, "measure.answer", object_type="measure", object_id=response.pk, subject=response.client)
    return response


def complete_measure(ctx: RequestContext, response: MeasureResponse) -> MeasureOutcome:
    """Score a fully answered questionnaire and act on it (escalation, C-SSRS follow-up).

    Raises ValidationError naming the unanswered items; the saved answers stay.
    Side effects: audit ``measure.complete``; possibly a safety event and alerts.
    """
    client = response.client
    authorize(ctx, policies.can_answer_intake, client, action="measure.complete", subject=client)
    response.refresh_from_db()  # the stored answers and follow-up link are what count
    if response.is_complete:
        raise ValidationError("This questionnaire is already complete.")
    definition = instrument(response.instrument)
    missing = missing_items(definition, response.answers or {})
    if missing:
        raise ValidationError({item: "Please answer this question." for item in missing})
    with transaction.atomic():
        response.result = _result(response)
        response.status, response.completed_at = ResponseStatus.COMPLETED, timezone.now()
        response.save(update_fields=["result", "status", "completed_at", "updated_at"])
        record_event(ctx, "measure.complete", object_type="measure", object_id=response.pk, subject=client)
        return _act_on(ctx, response)


def _result(response: MeasureResponse) -> dict[str, Any]:
    if response.instrument == Instrument.CSSRS:
        return {"risk": cssrs_risk(response.answers)}
    scored = score(response.instrument, response.answers)
    assert scored is not None  # complete answers always score
    return {"total": scored.total, "band": scored.band, "band_label": scored.band_label, "item9": scored.safety_item}


def _act_on(ctx: RequestContext, response: MeasureResponse) -> MeasureOutcome:
    from confide.safety.escalation import escalate
    from confide.safety.models import Level, Source

    outcome = MeasureOutcome(response)
    item9 = (response.result or {}).get("item9")
    if response.instrument == Instrument.PHQ9 and item9:
        label = instrument("phq9")["options"][item9]["label"].lower()
        outcome.safety_event = escalate(
            ctx,
            response.client,
            source=Source.PHQ9_ITEM9,
            level=Level.MODERATE,
            reasons=[f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm): {label}."],
            source_ref=f"phq9:{response.pk}",
        )
        outcome.follow_up = start_measure(ctx, response.client, Instrument.CSSRS, follows=response)
    risk = (response.result or {}).get("risk")
    if response.instrument == Instrument.CSSRS and risk and risk != "none":
        ref = f"phq9:{response.follows_id}" if response.follows_id else f"cssrs:{response.pk}"
        outcome.safety_event = escalate(
            ctx,
            response.client,
            source=Source.CSSRS,
            level={"low": Level.LOW, "moderate": Level.MODERATE, "high": Level.HIGH}[risk],
            reasons=[f"C-SSRS screener (since last contact): {risk} risk."],
            source_ref=ref,
        )
    return outcome


def pending_follow_up(client) -> MeasureResponse | None:
    """An unfinished C-SSRS that a PHQ-9 started: the client is sent back to it first."""
    return MeasureResponse.objects.filter(
        client=client, instrument=Instrument.CSSRS, status=ResponseStatus.IN_PROGRESS, follows__isnull=False
    ).first()


def completed_measures(ctx: RequestContext, client, key: str | None = None) -> list[MeasureResponse]:
    """Completed responses, oldest first, for an authorised viewer (audited)."""
    authorize(ctx, policies.can_view_intake, client, action="measure.list", subject=client)
    qs = MeasureResponse.objects.filter(client=client, status=ResponseStatus.COMPLETED)
    if key:
        qs = qs.filter(instrument=key)
    return list(qs.order_by("completed_at"))


def latest_facts(client) -> dict[str, Any]:
    """The latest complete PHQ-9, GAD-7 and C-SSRS results, as triage facts (no audit: callers audit)."""
    facts: dict[str, Any] = {}
    for key in Instrument.values:
        latest = (
            MeasureResponse.objects.filter(client=client, instrument=key, status=ResponseStatus.COMPLETED)
            .order_by("-completed_at")
            .first()
        )
        if latest is None:
            continue
        if key == Instrument.CSSRS:
            facts["cssrs_risk"] = latest.result.get("risk")
        else:
            facts[f"{key}_total"] = latest.result.get("total")
            if key == Instrument.PHQ9:
                facts["phq9_item9"] = latest.result.get("item9")
    return facts


# --- schedule -------------------------------------------------------------------


def schedule_for(client) -> MeasureSchedule:
    """The stored schedule, or the default (every 2 weeks) unsaved."""
    return MeasureSchedule.objects.filter(client=client).first() or MeasureSchedule(client=client)


def set_measure_schedule(ctx: RequestContext, client, *, mode: str, interval_weeks: int = 2) -> MeasureSchedule:
    """The treating therapist chooses when PHQ-9/GAD-7 repeat. Side effect: audit ``measure_schedule.set``."""
    authorize(ctx, policies.can_set_measure_schedule, client, action="measure_schedule.set", subject=client)
    if mode not in MeasureSchedule.Mode.values:
        raise ValidationError({"mode": "Choose when the questionnaires repeat."})
    if not 1 <= int(interval_weeks) <= 12:
        raise ValidationError({"interval_weeks": "Choose between 1 and 12 weeks."})
    with transaction.atomic():
        schedule, _ = MeasureSchedule.objects.update_or_create(
            client=client, defaults={"mode": mode, "interval_weeks": int(interval_weeks), "set_by": ctx.user}
        )
        record_event(ctx, "measure_schedule.set", object_type="measure_schedule", object_id=schedule.pk, subject=client)
    return schedule


def measures_due(client, *, now: datetime | None = None, next_session_at: datetime | None = None) -> list[str]:
    """PHQ-9 / GAD-7 keys the client should answer now.

    Due at intake (never completed); then per the therapist's schedule: every
    N weeks since the last completion, or — in "before each session" mode —
    when a session (``next_session_at``, passed by scheduling) is within 72 h
    and nothing was completed in the 72 h before it.
    """
    now = now or timezone.now()
    schedule = schedule_for(client)
    due = []
    for key in (Instrument.PHQ9, Instrument.GAD7):
        last = (
            MeasureResponse.objects.filter(client=client, instrument=key, status=ResponseStatus.COMPLETED)
            .order_by("-completed_at")
            .values_list("completed_at", flat=True)
            .first()
        )
        if last is None or _repeat_due(schedule, last, now, next_session_at):
            due.append(str(key))
    return due


def _repeat_due(schedule: MeasureSchedule, last: datetime, now: datetime, next_session_at: datetime | None) -> bool:
    mode = schedule.mode
    if mode == MeasureSchedule.Mode.EVERY_N_WEEKS:
        return now - last >= timedelta(weeks=schedule.interval_weeks)
    if mode == MeasureSchedule.Mode.BEFORE_EACH_SESSION and next_session_at is not None:
        return now >= next_session_at - SESSION_WINDOW and last < next_session_at - SESSION_WINDOW
    return False
