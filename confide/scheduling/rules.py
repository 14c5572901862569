"""Who may book what: licensure, telehealth consent, first-visit and jurisdiction rules.

Each check returns a reason a person can act on (empty when fine), so pages
and the API can say *why* something is unavailable before anyone fills a form.
The licensure and consent decisions belong to other apps; this module is the
one place scheduling asks them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from confide.scheduling.models import (
    ACTIVE_STATUSES,
    TELEHEALTH_MODALITIES,
    Appointment,
    AppointmentKind,
    JurisdictionRule,
    Modality,
    Status,
)

log = logging.getLogger(__name__)

CONSENT_MESSAGE = "Please read and sign the telehealth consent before booking."


def consent_url() -> str:
    for name in ("intake:telehealth_consent", "telehealth_consent", "intake_consent"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/intake/"


def consent_satisfied(client) -> bool:
    """THE consent hook: does the client hold a current telehealth consent? (intake owns the answer)."""
    try:
        from confide.intake.services import has_current_telehealth_consent
    except ImportError:
        # Fail closed: without the intake app's answer nobody books telehealth.
        log.error("intake.services.has_current_telehealth_consent is missing: telehealth booking is refused")
        return False
    return bool(has_current_telehealth_consent(client))


def client_jurisdiction(client) -> str:
    from confide.accounts.services import client_profile_for

    return client_profile_for(client).jurisdiction or ""


def licence_problem(therapist, client, on: date | None = None, *, jurisdiction: str | None = None) -> str:
    """Why the therapist may not treat the client where the client is on ``on`` ("" when they may).

    ``on`` defaults to today at the client's location (``client_local_date``), never the server's date.
    """
    jurisdiction = client_jurisdiction(client) if jurisdiction is None else jurisdiction
    if not jurisdiction:
        return "Tell us where you are (your profile) so we can check the therapist is licensed there."
    from confide.directory.services import client_local_date, may_treat

    on = on or client_local_date(client, timezone.now(), jurisdiction=jurisdiction)
    decision = may_treat(therapist, jurisdiction, on=on)
    if decision.allowed:
        return ""
    return decision.reason or "This therapist is not licensed where you are."


def is_first_with(client, therapist, *, ignore=None) -> bool:
    """No appointment with this therapist that is active or took place."""
    held = Appointment.objects.filter(client=client, therapist=therapist).filter(
        Q(status__in=ACTIVE_STATUSES) | Q(status=Status.COMPLETED)
    )
    if ignore is not None:
        held = held.exclude(pk=ignore.pk)
    return not held.exists()


def kind_problem(client, therapist, kind: str, *, ignore=None) -> str:
    first = is_first_with(client, therapist, ignore=ignore)
    if first and kind != AppointmentKind.INTAKE:
        return "Your first appointment with a therapist is an intake."
    if not first and kind == AppointmentKind.INTAKE:
        return "You have already booked an intake with this therapist; choose a session type."
    return ""


@dataclass(frozen=True)
class ModalityOption:
    modality: str
    label: str
    available: bool
    reason: str


def modality_options(
    policy, client, therapist, on: date, *, before=None, ignore=None, jurisdiction: str | None = None
) -> list[ModalityOption]:
    """Every modality, whether this client may use it with this therapist on that day, and why not."""
    if jurisdiction is None:
        jurisdiction = client_jurisdiction(client) if client is not None else ""
    options = []
    for value, label in Modality.choices:
        reason = modality_problem(policy, client, therapist, value, on, jurisdiction, before=before, ignore=ignore)
        options.append(ModalityOption(value, label, not reason, reason))
    return options


def modality_problem(
    policy, client, therapist, modality: str, on: date, jurisdiction: str, *, before=None, ignore=None
) -> str:
    """Why ``modality`` is unavailable to this client with this therapist on ``on`` ("" when it is available)."""
    if modality not in policy.offered_modalities():
        return "This therapist does not offer it."
    if modality == Modality.IN_PERSON and not policy.office_address:
        return "This therapist has not given an office address."
    if client is None:
        return ""
    return jurisdiction_problem(jurisdiction, modality, client, therapist, on, before=before, ignore=ignore)


def rules_in_force(jurisdiction: str, modality: str, on: date):
    return JurisdictionRule.objects.filter(jurisdiction=jurisdiction, modality=modality, effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gt=on)
    )


def jurisdiction_problem(
    jurisdiction: str, modality: str, client, therapist, on: date, *, before=None, ignore=None
) -> str:
    """The first jurisdiction rule in force on ``on`` that blocks ``modality`` (its explanation), or ""."""
    if not jurisdiction:
        return ""
    for rule in rules_in_force(jurisdiction, modality, on):
        if rule.kind == JurisdictionRule.Kind.NOT_PERMITTED:
            return rule.explanation
        if rule.kind == JurisdictionRule.Kind.REQUIRES_PRIOR_VIDEO and not _has_prior_video(
            client, therapist, before, ignore
        ):
            return rule.explanation
    return ""


def _has_prior_video(client, therapist, before, ignore=None) -> bool:
    """A completed video session, or an active one that ends before ``before``."""
    videos = Appointment.objects.filter(client=client, therapist=therapist, modality=Modality.VIDEO)
    if ignore is not None:
        videos = videos.exclude(pk=ignore.pk)
    if videos.filter(status=Status.COMPLETED).exists():
        return True
    return before is not None and videos.filter(status__in=ACTIVE_STATUSES, end_at__lte=before).exists()


def needs_consent(modality: str) -> bool:
    """Telehealth consent covers telehealth: an in-person session does not need it."""
    return modality in TELEHEALTH_MODALITIES
