"""Telehealth test helpers: an appointment whose room is open now, a consenting client with an emergency plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from confide.privacy.audit import RequestContext


def make_appointment(
    client, therapist, *, modality="video", starts_in=timedelta(minutes=5), minutes=50, status="confirmed"
):
    """An appointment created directly (booking rules are scheduling's tests), with care started."""
    from confide.accounts.services import start_care
    from confide.scheduling.models import Appointment, AppointmentType
    from confide.scheduling.services.setup import ensure_defaults

    ensure_defaults(therapist)
    start_care(client, therapist)
    kind_type = AppointmentType.objects.filter(therapist=therapist).first()
    start = timezone.now() + starts_in
    return Appointment.objects.create(
        client=client,
        therapist=therapist,
        appointment_type=kind_type,
        kind=kind_type.kind,
        modality=modality,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        status=status,
    )


def make_ready(client) -> None:
    """Telehealth consent signed and a complete emergency plan."""
    from confide.intake.models import ConsentDocument
    from confide.intake.services import current_consent_document, save_emergency_plan, sign_consent

    document = current_consent_document() or ConsentDocument.objects.create(
        version=1,
        title="Telehealth consent",
        body="Intro.\n## If the connection fails\nYour therapist will call your plan's number.\n## Your agreement\nx",
        published_at=timezone.now() - timedelta(minutes=1),
    )
    ctx = RequestContext(user=client)
    sign_consent(ctx, client, document=document, typed_name="Casey Public")
    save_emergency_plan(
        ctx,
        client,
        session_address="1 Main St, Albany NY",
        location_phone="+1 518 555 0100",
        alternate_phone="+1 518 555 0199",
        support_person_name="Robin",
        support_person_phone="+1 518 555 0142",
        support_person_relationship="sister",
        support_person_consent="yes",
        emergency_number="911",
    )


def license_therapist(therapist, *codes: str, expires_on: date | None = None) -> None:
    """Verified licences in ``codes``, valid through ``expires_on`` (default: for years)."""
    from confide.directory.models import Licence, LicenceType

    kind, _ = LicenceType.objects.get_or_create(slug="lpc", defaults={"name": "Licensed Professional Counselor"})
    for code in codes:
        Licence.objects.create(
            therapist=therapist,
            licence_type=kind,
            number=f"T-{code}",
            jurisdiction=code,
            expires_on=expires_on or timezone.localdate() + timedelta(days=800),
            status=Licence.Status.VERIFIED,
        )


@pytest.fixture
def appointment(client_user, therapist):
    make_ready(client_user)
    license_therapist(therapist, "US-NY")
    return make_appointment(client_user, therapist)


@pytest.fixture
def audio_appointment(client_user, therapist):
    make_ready(client_user)
    return make_appointment(client_user, therapist, modality="audio")
