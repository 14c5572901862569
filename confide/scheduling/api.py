"""Scheduling endpoints: slots, book, reschedule, cancel, list (mounted at /api/scheduling/).

Times go in and out as ISO 8601 with an offset; responses are UTC plus the
same instant in the viewer's zone, labelled. Errors: 422 bad input, 404 not
yours / not there, 409 the time was just taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as HttpStatus
from ninja.errors import HttpError
from pydantic import AfterValidator, Field

from confide.accounts.models import Role, User
from confide.core.schemas import StrictSchema
from confide.privacy.access import authorize
from confide.privacy.audit import context_from_request
from confide.scheduling import policies
from confide.scheduling.availability import available_slots, display_zone, format_local, zone_or_error
from confide.scheduling.bounds import check_instant
from confide.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType
from confide.scheduling.services import booking

router = Router()


class SlotOut(Schema):
    start: datetime
    end: datetime
    local_start: datetime
    label: str


class SlotsOut(Schema):
    therapist_id: UUID
    appointment_type_id: UUID
    time_zone: str
    slots: list[SlotOut]


def _in_range(at: datetime) -> datetime:
    """An instant in years 2000–2100 (``bounds``): 9999-12-31 is a 422 with a sentence, not a server error."""
    try:
        return check_instant(at)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None


Instant = Annotated[datetime, AfterValidator(_in_range)]


class SlotQuery(StrictSchema):
    appointment_type_id: UUID
    start: Instant | None = Field(None, description="Window start (ISO 8601 with offset); default now")
    end: Instant | None = Field(None, description="Window end; default start + 28 days (at most 92 days)")
    tz: str | None = Field(None, description="IANA zone to label times in; default your profile's zone")


class AppointmentTypeOut(Schema):
    id: UUID
    kind: str
    minutes: int
    price: Decimal
    currency: str


class AppointmentOut(Schema):
    id: UUID
    therapist_id: UUID
    client_id: UUID
    kind: str
    modality: str
    status: str
    start: datetime
    end: datetime
    time_zone: str
    label: str
    price: Decimal
    currency: str
    late_cancel_hours: int
    late_cancel_fee: Decimal
    late_cancellation: bool
    fee_due: Decimal


class BookIn(StrictSchema):
    therapist_id: UUID
    appointment_type_id: UUID
    start: Instant
    modality: Literal["video", "audio", "chat", "in_person"] = "video"
    note: str = Field("", max_length=2000, description="Private to you and your therapist; stored encrypted")


class RescheduleIn(StrictSchema):
    start: Instant
    modality: Literal["video", "audio", "chat", "in_person"] | None = None


class CancelIn(StrictSchema):
    reason: str = Field("", max_length=2000)


class TermsOut(Schema):
    late_cancel_hours: int
    fee: Decimal
    currency: str
    free_until: datetime
    late_now: bool
    fee_if_changed_now: Decimal
    text: str


def _viewer_zone(request, tz: str | None):
    return zone_or_error(tz) if tz else display_zone(request.auth)


def _therapist(therapist_id: UUID) -> User:
    therapist = User.objects.filter(pk=therapist_id, role=Role.THERAPIST, is_active=True).first()
    if therapist is None:
        raise Http404("Not found")
    return therapist


def _appointment_type(therapist: User, type_id: UUID) -> AppointmentType:
    found = AppointmentType.objects.filter(pk=type_id, therapist=therapist, active=True).first()
    if found is None:
        raise ValidationError({"appointment_type_id": "This therapist does not offer that appointment type."})
    return found


def _out(appointment: Appointment, zone) -> AppointmentOut:
    return AppointmentOut(
        id=appointment.pk,
        therapist_id=appointment.therapist_id,
        client_id=appointment.client_id,
        kind=appointment.kind,
        modality=appointment.modality,
        status=appointment.status,
        start=appointment.start_at,
        end=appointment.end_at,
        time_zone=zone.key,
        label=format_local(appointment.start_at, zone),
        price=appointment.price,
        currency=appointment.currency,
        late_cancel_hours=appointment.late_cancel_hours,
        late_cancel_fee=appointment.late_cancel_fee,
        late_cancellation=appointment.late_cancellation,
        fee_due=appointment.fee_due,
    )


def _load(appointment_id: UUID) -> Appointment:
    """The appointment or 404; the service (or ``_own_appointment``) then checks it is the caller's."""
    appointment = (
        Appointment.objects.select_related("client", "therapist", "appointment_type").filter(pk=appointment_id).first()
    )
    if appointment is None:
        raise Http404("Not found")
    return appointment


def _own_appointment(request, appointment_id: UUID) -> Appointment:
    appointment = _load(appointment_id)
    authorize(
        context_from_request(request),
        policies.can_view_appointment,
        appointment,
        action="appointment.view",
        subject=appointment.client,
    )
    return appointment


@router.get(
    "/therapists/{therapist_id}/appointment-types", response=list[AppointmentTypeOut], summary="What a therapist offers"
)
def appointment_types(request, therapist_id: UUID):
    return list(AppointmentType.objects.filter(therapist=_therapist(therapist_id), active=True))


@router.get("/therapists/{therapist_id}/slots", response=SlotsOut, summary="Bookable slots in a window")
def slots(request, therapist_id: UUID, query: Query[SlotQuery]):
    therapist = _therapist(therapist_id)
    zone = _viewer_zone(request, query.tz)
    kind = _appointment_type(therapist, query.appointment_type_id)
    start = query.start or timezone.now()
    end = query.end or start + timedelta(days=28)
    viewer = request.auth if request.auth.role == Role.CLIENT else None
    found = available_slots(therapist, kind, start, end, zone, viewer=viewer)
    return SlotsOut(
        therapist_id=therapist.pk,
        appointment_type_id=kind.pk,
        time_zone=zone.key,
        slots=[SlotOut(start=s.start, end=s.end, local_start=s.local_start, label=s.label) for s in found],
    )


@router.post("/appointments", response={201: AppointmentOut}, summary="Book a slot")
def book(request, payload: BookIn):
    therapist = _therapist(payload.therapist_id)
    kind = _appointment_type(therapist, payload.appointment_type_id)
    try:
        appointment = booking.book_appointment(
            context_from_request(request),
            client=request.auth,
            therapist=therapist,
            appointment_type=kind,
            start_at=payload.start,
            modality=payload.modality,
            note=payload.note,
        )
    except booking.SlotTaken as exc:
        raise HttpError(409, exc.message) from None
    return HttpStatus(201, _out(appointment, display_zone(request.auth)))


@router.get("/appointments", response=list[AppointmentOut], summary="My appointments")
def list_appointments(request, scope: Literal["upcoming", "past", "all"] = "upcoming"):
    user = request.auth
    mine = (
        Appointment.objects.filter(therapist=user)
        if user.role == Role.THERAPIST
        else Appointment.objects.filter(client=user)
    )
    now = timezone.now()
    if scope == "upcoming":
        mine = mine.filter(end_at__gt=now, status__in=ACTIVE_STATUSES)
    elif scope == "past":
        mine = mine.exclude(end_at__gt=now, status__in=ACTIVE_STATUSES).order_by("-start_at")
    zone = display_zone(user)
    return [_out(a, zone) for a in mine[:200]]


@router.get("/appointments/{appointment_id}", response=AppointmentOut, summary="One of my appointments")
def get_appointment(request, appointment_id: UUID):
    appointment = _own_appointment(request, appointment_id)
    return _out(appointment, display_zone(request.auth))


@router.get(
    "/appointments/{appointment_id}/cancellation-terms",
    response=TermsOut,
    summary="What cancelling or rescheduling now would mean (shown before confirming)",
)
def terms(request, appointment_id: UUID):
    appointment = _own_appointment(request, appointment_id)
    found = booking.cancellation_terms(appointment, request.auth)
    return TermsOut(
        late_cancel_hours=found.window_hours,
        fee=found.fee,
        currency=found.currency,
        free_until=found.deadline,
        late_now=found.late,
        fee_if_changed_now=found.fee_applies,
        text=found.describe(display_zone(request.auth)),
    )


@router.post("/appointments/{appointment_id}/reschedule", response=AppointmentOut, summary="Move to another slot")
def reschedule(request, appointment_id: UUID, payload: RescheduleIn):
    appointment = _load(appointment_id)
    try:
        moved = booking.reschedule_appointment(
            context_from_request(request), appointment, payload.start, modality=payload.modality
        )
    except booking.SlotTaken as exc:
        raise HttpError(409, exc.message) from None
    return _out(moved, display_zone(request.auth))


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut, summary="Cancel")
def cancel(request, appointment_id: UUID, payload: CancelIn):
    appointment = _load(appointment_id)
    try:
        cancelled = booking.cancel_appointment(context_from_request(request), appointment, reason=payload.reason)
    except booking.SlotTaken as exc:
        raise HttpError(409, exc.message) from None
    return _out(cancelled, display_zone(request.auth))
