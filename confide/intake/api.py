"""Intake endpoints: consent status and signing, intake status, measures (submit, list, FHIR export).

Every handler is a thin caller of ``intake.services`` (which authorises and
audits). Wrong person: 404 for someone else's data, 403 for the wrong role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from confide.accounts.models import Role, User
from confide.core.schemas import StrictSchema
from confide.intake import services
from confide.intake.models import ConsentDocument, MeasureResponse
from confide.privacy.audit import context_from_request

router = Router()


class ConsentStatusOut(Schema):
    current_version: int | None
    title: str
    signed: bool
    signed_at: datetime | None


class ConsentSignIn(StrictSchema):
    version: int = Field(ge=1, le=100_000)
    typed_name: str = Field(max_length=200)


class IntakeStatusOut(Schema):
    consent_current: bool
    emergency_plan_complete: bool
    intake_status: Literal["not_started", "in_progress", "completed"]
    measures_due: list[str]
    follow_up_pending: bool


class MeasureIn(StrictSchema):
    instrument: Literal["phq9", "gad7", "cssrs"]
    answers: dict[str, int] = Field(max_length=20)
    complete: bool = True


class MeasureOut(Schema):
    id: UUID
    instrument: str
    version: str
    status: str
    created_at: datetime
    completed_at: datetime | None
    total: int | None = None
    band: str | None = None
    item9: int | None = None
    risk: str | None = None


class MeasureSubmitOut(Schema):
    measure: MeasureOut
    follow_up_id: UUID | None
    escalated: bool
    show_crisis_resources: bool


def _client_only(request) -> User:
    if request.auth.role != Role.CLIENT:
        raise PermissionDenied("Only clients answer their own intake.")
    return request.auth


def _measure_out(response: MeasureResponse) -> MeasureOut:
    result = response.result or {}
    return MeasureOut(
        id=response.pk,
        instrument=response.instrument,
        version=response.version,
        status=response.status,
        created_at=response.created_at,
        completed_at=response.completed_at,
        total=result.get("total"),
        band=result.get("band"),
        item9=result.get("item9"),
        risk=result.get("risk"),
    )


@router.get("/consent", response=ConsentStatusOut, summary="The current telehealth consent and whether I signed it")
def consent_status(request):
    client = _client_only(request)
    document = services.current_consent_document()
    signature = services.current_signature(client)
    return ConsentStatusOut(
        current_version=document.version if document else None,
        title=document.title if document else "",
        signed=signature is not None,
        signed_at=signature.signed_at if signature else None,
    )


@router.post("/consent/sign", response={201: ConsentStatusOut}, summary="Sign the current telehealth consent")
def consent_sign(request, payload: ConsentSignIn):
    client = _client_only(request)
    document = ConsentDocument.objects.filter(kind=ConsentDocument.Kind.TELEHEALTH, version=payload.version).first()
    if document is None:
        raise Http404("No such consent version.")
    signature = services.sign_consent(
        context_from_request(request), client, document=document, typed_name=payload.typed_name
    )
    return Status(
        201,
        ConsentStatusOut(
            current_version=document.version, title=document.title, signed=True, signed_at=signature.signed_at
        ),
    )


@router.get("/status", response=IntakeStatusOut, summary="What is left before my first session")
def intake_status(request):
    from confide.intake.questionnaires import latest_intake

    client = _client_only(request)
    intake = latest_intake(client)
    return IntakeStatusOut(
        consent_current=services.has_current_telehealth_consent(client),
        emergency_plan_complete=services.emergency_plan_complete(client),
        intake_status=intake.status if intake else "not_started",
        measures_due=services.measures_due(client),
        follow_up_pending=services.pending_follow_up(client) is not None,
    )


@router.post("/measures", response={200: MeasureSubmitOut, 201: MeasureSubmitOut}, summary="Answer a measure")
def submit_measure(request, payload: MeasureIn):
    """Saves the answers into my unfinished response (created if needed); with ``complete`` also scores it.

    Incomplete answers with ``complete: true`` → 422 naming the missing items
    (the answers given are kept).
    """
    client = _client_only(request)
    ctx = context_from_request(request)
    response = services.start_measure(ctx, client, payload.instrument)
    services.save_measure_answers(ctx, response, payload.answers)
    if not payload.complete:
        return Status(
            200,
            MeasureSubmitOut(
                measure=_measure_out(response), follow_up_id=None, escalated=False, show_crisis_resources=False
            ),
        )
    outcome = services.complete_measure(ctx, response)
    event = outcome.safety_event
    return Status(
        201,
        MeasureSubmitOut(
            measure=_measure_out(outcome.response),
            follow_up_id=outcome.follow_up.pk if outcome.follow_up else None,
            escalated=event is not None,
            show_crisis_resources=bool(event and event.is_full_escalation),
        ),
    )


@router.get("/measures", response=list[MeasureOut], summary="Completed measures of a client (mine by default)")
def list_measures(request, client_id: UUID | None = None, instrument: Literal["phq9", "gad7", "cssrs"] | None = None):
    viewer = request.auth
    if client_id is None:
        client = _client_only(request)
    else:
        client = User.objects.filter(pk=client_id, role=Role.CLIENT).first()
        if client is None:
            raise Http404("Not found")
    if viewer.pk != client.pk and viewer.role == Role.CLIENT:
        raise Http404("Not found")
    return [_measure_out(r) for r in services.completed_measures(context_from_request(request), client, instrument)]


@router.get("/measures/{measure_id}/fhir", response=dict[str, Any], summary="A completed measure as a FHIR Bundle")
def measure_fhir(request, measure_id: UUID):
    from confide.intake.fhir_export import measure_bundle
    from confide.intake.policies import can_view_intake
    from confide.privacy.access import authorize

    response = get_object_or_404(MeasureResponse.objects.select_related("client"), pk=measure_id)
    ctx = context_from_request(request)
    authorize(ctx, can_view_intake, response.client, action="measure.export_fhir", subject=response.client)
    if not response.is_complete:
        raise Http404("Not found")
    return measure_bundle(response)
