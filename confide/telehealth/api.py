"""Telehealth endpoints (mounted at /api/telehealth/): visit status, ICE servers, join tokens, admit, end.

Only the visit's two participants get anything; everyone else gets the same
404 as for a visit that does not exist. The same services as the pages.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import Http404
from ninja import Router, Schema

from confide.privacy.access import authorize
from confide.privacy.audit import context_from_request
from confide.scheduling.models import Appointment
from confide.telehealth import ice, policies
from confide.telehealth.models import Visit
from confide.telehealth.services import lifecycle, live, tokens

router = Router()


class VisitOut(Schema):
    appointment_id: UUID
    modality: str
    state: str
    can_join: bool
    problem: str
    admitted: bool
    started_at: datetime | None
    ended_at: datetime | None
    outside_licensure: bool
    client_waiting: bool
    seconds_by_modality: dict[str, int]


class IceServerOut(Schema):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceServersOut(Schema):
    ice_servers: list[IceServerOut]


class TokenOut(Schema):
    token: str
    protocol: str
    expires_in_seconds: int


def _visit(request, appointment_id: UUID) -> Visit:
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404("Not found")
    return lifecycle.open_visit(context_from_request(request), appointment)


def _out(visit: Visit, user) -> VisitOut:
    appointment = visit.appointment
    problem = policies.join_problem(user, appointment)
    return VisitOut(
        appointment_id=appointment.pk,
        modality=appointment.modality,
        state=visit.state,
        can_join=problem == "",
        problem=problem,
        admitted=visit.admitted_at is not None,
        started_at=visit.started_at,
        ended_at=visit.ended_at,
        outside_licensure=visit.outside_licensure if user.pk == appointment.therapist_id else False,
        client_waiting=bool(visit.client_channel) and visit.admitted_at is None,
        seconds_by_modality=live.segment_summary(visit),
    )


@router.get("/visits/{appointment_id}", response=VisitOut, summary="A visit's status (its participants only)")
def visit_status(request, appointment_id: UUID):
    return _out(_visit(request, appointment_id), request.auth)


@router.get("/visits/{appointment_id}/ice-servers", response=IceServersOut, summary="STUN/TURN servers for me")
def visit_ice_servers(request, appointment_id: UUID):
    visit = _visit(request, appointment_id)
    # TURN credentials only to a participant whose room is open now (not for any past appointment):
    # a relay is bandwidth the operator pays for.
    appointment = visit.appointment
    authorize(
        context_from_request(request),
        policies.can_join_visit,
        appointment,
        action="visit.ice_servers",
        subject=appointment.client,
    )
    return IceServersOut(ice_servers=ice.ice_servers_for(request.auth))


@router.post(
    "/visits/{appointment_id}/join-token",
    response=TokenOut,
    url_name="telehealth_join_token",
    summary="A single-use token to open the visit's signalling socket",
)
def visit_join_token(request, appointment_id: UUID):
    from confide.telehealth.consumers import PROTOCOL

    visit = _visit(request, appointment_id)
    secret = tokens.mint_join_token(context_from_request(request), visit)
    return TokenOut(token=secret, protocol=PROTOCOL, expires_in_seconds=int(tokens.TOKEN_TTL.total_seconds()))


@router.post("/visits/{appointment_id}/admit", response=VisitOut, summary="Therapist: let the waiting client in")
def visit_admit(request, appointment_id: UUID):
    visit = lifecycle.admit_client(context_from_request(request), _visit(request, appointment_id))
    return _out(visit, request.auth)


@router.post("/visits/{appointment_id}/end", response=VisitOut, summary="Therapist: end the visit (records times)")
def visit_end(request, appointment_id: UUID):
    visit = lifecycle.end_visit(context_from_request(request), _visit(request, appointment_id))
    return _out(visit, request.auth)
