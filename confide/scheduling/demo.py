"""Demo scheduling data (``manage.py demo``): hours, types and policy for each demo therapist, a few appointments.

Idempotent: hours and types are only created when missing; appointments only
when the demo client has none with that therapist. Demo clients in a therapist's
licensed jurisdiction get an intake booked (directory's demo adds the licences).
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from confide.directory.services import client_local_date
from confide.privacy.audit import RequestContext
from confide.scheduling import rules, summary
from confide.scheduling.availability import available_slots
from confide.scheduling.models import Appointment, AppointmentKind, AppointmentType, SchedulingPolicy, WeeklyHours

PRICES = {
    AppointmentKind.INTAKE: Decimal("150"),
    AppointmentKind.THERAPY: Decimal("120"),
    AppointmentKind.CHECK_IN: Decimal("60"),
}
# (weekday, start, end) — weekday daytime, two evenings, Saturday morning for some.
HOURS = [
    (0, time(9), time(17)),
    (1, time(9), time(12)),
    (1, time(13), time(19)),
    (2, time(9), time(17)),
    (3, time(12), time(20)),
    (4, time(9), time(15)),
]
SATURDAY = (5, time(9), time(13))
# How each demo therapist (by position in core.demo.THERAPISTS) sees clients; the directory lists exactly this.
OFFERS = [
    {"offers_in_person": True, "office_address": "1 Demo Street, Suite 2"},  # video, audio, chat, in person
    {},  # the defaults: video, audio call, live chat
    {"offers_audio": False, "offers_chat": False},  # video only
    {"offers_chat": False},  # video and audio call
]


def populate(people) -> None:
    from confide.scheduling.services.setup import ensure_defaults

    for index, therapist in enumerate(people.therapists):
        ensure_defaults(therapist)
        AppointmentType.objects.filter(therapist=therapist).update(
            currency="GBP" if "London" in therapist.time_zone else "USD"
        )
        for kind, price in PRICES.items():
            AppointmentType.objects.filter(therapist=therapist, kind=kind, price=0).update(price=price)
        if not WeeklyHours.objects.filter(therapist=therapist).exists():
            blocks = HOURS + ([SATURDAY] if index % 2 == 0 else [])
            WeeklyHours.objects.bulk_create(
                WeeklyHours(therapist=therapist, weekday=w, start_time=s, end_time=e) for w, s, e in blocks
            )
        policy = SchedulingPolicy.objects.get(therapist=therapist)
        if not policy.late_cancel_fee:
            policy.late_cancel_fee = Decimal("40")
            for name, value in OFFERS[index % len(OFFERS)].items():
                setattr(policy, name, value)
            policy.save()
    _book_intakes(people)
    for therapist in people.therapists:
        summary.publish(therapist)


def _book_intakes(people) -> None:
    """One intake for each demo client with the first therapist who may treat them (if consent allows)."""
    from confide.scheduling.services.booking import book_appointment

    now = timezone.now()
    for client in people.clients:
        for therapist in people.therapists:
            if Appointment.objects.filter(client=client, therapist=therapist).exists():
                break
            if rules.licence_problem(therapist, client):
                continue
            modality = "video" if rules.consent_satisfied(client) else "in_person"
            kind = AppointmentType.objects.get(therapist=therapist, kind=AppointmentKind.INTAKE)
            found = available_slots(
                therapist, kind, now + timedelta(days=3), now + timedelta(days=14), "UTC", viewer=client
            )
            start = found[len(found) // 3].start if found else None
            if start and _modality_allowed(client, therapist, modality, start):
                book_appointment(
                    RequestContext(user=client),
                    client=client,
                    therapist=therapist,
                    appointment_type=kind,
                    start_at=start,
                    modality=modality,
                )
            break


def _modality_allowed(client, therapist, modality: str, start) -> bool:
    """Judged as booking will: on the session's date where the client is."""
    policy, jurisdiction = SchedulingPolicy.objects.get(therapist=therapist), rules.client_jurisdiction(client)
    on = client_local_date(client, start, jurisdiction=jurisdiction)
    return not rules.modality_problem(policy, client, therapist, modality, on, jurisdiction, before=start)
