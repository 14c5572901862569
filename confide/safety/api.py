"""Safety endpoints: "I need help now", crisis resources, safety events for therapists and on-call staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from confide.accounts.models import Role
from confide.core.schemas import StrictSchema
from confide.privacy.access import authorize
from confide.privacy.audit import context_from_request, record_event
from confide.safety import escalation, policies
from confide.safety.models import SafetyEvent

router = Router()


class EventOut(Schema):
    id: UUID
    client_id: UUID
    level: str
    source: str
    status: str
    created_at: datetime
    closed_at: datetime | None


class HelpNowOut(Schema):
    event_id: UUID
    level: str
    resources: dict[str, Any]
    alerted: list[Literal["therapist", "on_call"]] = Field(
        description="who was alerted: the client's therapist (if they have one) and/or on-call staff"
    )


class CloseIn(StrictSchema):
    note: str = Field(max_length=4000)


def _resources_dict(resources) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(resources):
        return asdict(resources)
    return dict(resources) if isinstance(resources, dict) else {"value": str(resources)}


@router.post("/help-now", response={201: HelpNowOut}, summary="I need help now: alert my care team")
def help_now(request):
    event = escalation.request_help_now(context_from_request(request), request.auth)
    resources = _resources_dict(escalation.crisis_resources_for_client(request.auth))
    alerted = escalation.who_was_told(event).alerted
    return Status(201, HelpNowOut(event_id=event.pk, level=event.level, resources=resources, alerted=alerted))


@router.get("/resources", response=dict[str, Any], auth=None, summary="Crisis lines for a country or region")
def resources(request, country: str = Query("", max_length=10)):
    from confide.safety.resources import crisis_resources_for

    return _resources_dict(crisis_resources_for(country))


@router.get("/events", response=list[EventOut], summary="Safety events I may act on")
def list_events(request, status: Literal["open", "closed", "all"] = "open"):
    if request.auth.role not in (Role.THERAPIST, Role.STAFF):
        raise PermissionDenied("Only clinicians and staff see safety events.")
    record_event(context_from_request(request), "safety_event.list", object_type="safety_event")
    events = escalation.events_visible_to(request.auth, status=None if status == "all" else status)
    return list(events[:200])


@router.post("/events/{event_id}/close", response=EventOut, summary="Close a safety event with a follow-up note")
def close_event(request, event_id: UUID, payload: CloseIn):
    event = get_object_or_404(SafetyEvent.objects.select_related("client"), pk=event_id)
    ctx = context_from_request(request)
    authorize(ctx, policies.can_see_safety_event, event, action="safety_event.view", subject=event.client)
    return escalation.close_safety_event(ctx, event, payload.note)
