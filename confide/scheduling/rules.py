"""Who may book what: licensure, telehealth consent, first-visit and jurisdiction rules.

Each check returns a reason a person can act on (empty when fine), so pages
and the API can say *why* something is unavailable before anyone fills a form.
The licensure and consent decisions belong to other apps; this module is the
one place scheduling asks them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

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


def licence_problems(therapist, client, dates: list[date], *, jurisdiction: str) -> dict[date, str]:
    """``licence_problem`` for each of ``dates`` (dates at the client's location), for pages showing many days.

    Licensure answers once per licence state (``may_treat_on_dates``), not once per date.
    """
    if not jurisdiction:
        return {on: licence_problem(therapist, client, on, jurisdiction=jurisdiction) for on in dates}
    from confide.directory.services import may_treat_on_dates

    decisions = may_treat_on_dates(therapist, jurisdiction, dates)
    return {
        on: "" if d.allowed else (d.reason or "This therapist is not licensed where you are.")
        for on, d in decisions.items()
    }


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
    policy,
    client,
    therapist,
    on: date,
    *,
    before=None,
    ignore=None,
    jurisdiction: str | None = None,
    book: RuleBook | None = None,
) -> list[ModalityOption]:
    """Every modality, whether this client may use it with this therapist on that day, and why not.

    ``book``: the jurisdiction's rules loaded once, when the caller asks about many dates.
    """
    if jurisdiction is None:
        jurisdiction = client_jurisdiction(client) if client is not None else ""
    book = book or RuleBook(jurisdiction, client, therapist, before=before, ignore=ignore, lazy=True)
    options = []
    for value, label in Modality.choices:
        reason = modality_problem(policy, client, therapist, value, on, jurisdiction, before=before, book=book)
        options.append(ModalityOption(value, label, not reason, reason))
    return options


def modality_problem(
    policy,
    client,
    therapist,
    modality: str,
    on: date,
    jurisdiction: str,
    *,
    before=None,
    ignore=None,
    book: RuleBook | None = None,
) -> str:
    """Why ``modality`` is unavailable to this client with this therapist on ``on`` ("" when it is available)."""
    if modality not in policy.offered_modalities():
        return "This therapist does not offer it."
    if modality == Modality.IN_PERSON and not policy.office_address:
        return "This therapist has not given an office address."
    if client is None:
        return ""
    book = book or RuleBook(jurisdiction, client, therapist, before=before, ignore=ignore, lazy=True)
    return book.problem(modality, on, before=before)


def rules_in_force(jurisdiction: str, modality: str, on: date):
    return JurisdictionRule.objects.filter(jurisdiction=jurisdiction, modality=modality, effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gt=on)
    )


def jurisdiction_problem(
    jurisdiction: str, modality: str, client, therapist, on: date, *, before=None, ignore=None
) -> str:
    """The first jurisdiction rule in force on ``on`` that blocks ``modality`` (its explanation), or ""."""
    return RuleBook(jurisdiction, client, therapist, before=before, ignore=ignore, lazy=True).problem(modality, on)


class RuleBook:
    """One client's jurisdiction rules with one therapist: what blocks a modality on a date.

    Booking asks about one date (``lazy``: a query for the rules in force that day).
    The booking and reschedule pages ask about every time they show: the
    jurisdiction's rules are then loaded once and judged per date here, and the
    client's video sessions with the therapist are read at most once.

    ``before``: the moment a "video first" rule is judged at — a video session
    must have taken place (or be booked to end) by then. Booking passes the
    session's start; pages pass each time they offer.
    """

    def __init__(self, jurisdiction: str, client, therapist, *, before=None, ignore=None, lazy: bool = False):
        self.jurisdiction, self.client, self.therapist = jurisdiction, client, therapist
        self.before, self.ignore = before, ignore
        self._all: list[JurisdictionRule] | None = None
        if jurisdiction and not lazy:
            self._all = list(JurisdictionRule.objects.filter(jurisdiction=jurisdiction))
        self._videos: tuple[bool, datetime | None] | None = None

    def in_force(self, modality: str, on: date) -> list[JurisdictionRule]:
        if not self.jurisdiction:
            return []
        if self._all is None:
            return list(rules_in_force(self.jurisdiction, modality, on))
        return [
            rule
            for rule in self._all
            if rule.modality == modality
            and rule.effective_from <= on
            and (rule.effective_until is None or rule.effective_until > on)
        ]

    def problem(self, modality: str, on: date, *, before=None) -> str:
        """The first rule in force on ``on`` that blocks ``modality`` (its explanation), or ""."""
        for rule in self.in_force(modality, on):
            if rule.kind == JurisdictionRule.Kind.NOT_PERMITTED:
                return rule.explanation
            if rule.kind == JurisdictionRule.Kind.REQUIRES_PRIOR_VIDEO and not self.has_prior_video(
                before or self.before
            ):
                return rule.explanation
        return ""

    def asks_for_prior_video(self) -> bool:
        """Could a "video first" rule decide anything? (always assumed when the rules are not loaded)."""
        if self._all is None:
            return bool(self.jurisdiction)
        return any(rule.kind == JurisdictionRule.Kind.REQUIRES_PRIOR_VIDEO for rule in self._all)

    def has_prior_video(self, before) -> bool:
        """A completed video session, or an active one that ends by ``before`` (the one rescheduled aside)."""
        if self._videos is None:
            self._videos = _video_history(self.client, self.therapist, self.ignore)
        completed, first_active_end = self._videos
        return completed or (before is not None and first_active_end is not None and first_active_end <= before)


def _video_history(client, therapist, ignore=None) -> tuple[bool, datetime | None]:
    """Whether a video session with the therapist took place, and when the first booked one ends."""
    videos = Appointment.objects.filter(client=client, therapist=therapist, modality=Modality.VIDEO)
    if ignore is not None:
        videos = videos.exclude(pk=ignore.pk)
    held = videos.filter(Q(status=Status.COMPLETED) | Q(status__in=ACTIVE_STATUSES)).values_list("status", "end_at")
    completed = False
    first_active_end = None
    for status, end_at in held:
        if status == Status.COMPLETED:
            completed = True
        elif first_active_end is None or end_at < first_active_end:
            first_active_end = end_at
    return completed, first_active_end


def needs_consent(modality: str) -> bool:
    """Telehealth consent covers telehealth: an in-person session does not need it."""
    return modality in TELEHEALTH_MODALITIES
