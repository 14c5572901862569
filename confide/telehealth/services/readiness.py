"""Before and around the call: consent, the emergency plan, the backup phone, the consent's fallback plan."""

from __future__ import annotations

from dataclasses import dataclass

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext
from confide.telehealth import policies
from confide.telehealth.models import Visit

FALLBACK_HEADING = "## If the connection fails"
DEFAULT_FALLBACK = (
    "If a video session drops, Confide tries to reconnect by itself and falls back to audio, then to chat. "
    "If that fails, your therapist will call the phone number in your emergency plan."
)


@dataclass(frozen=True)
class Readiness:
    consent: bool
    emergency_plan: bool


def readiness_of(client) -> Readiness:
    from confide.intake.services import emergency_plan_complete, has_current_telehealth_consent

    return Readiness(has_current_telehealth_consent(client), emergency_plan_complete(client))


def connection_fails_text() -> str:
    """The "If the connection fails" section of the current telehealth consent (what the client agreed to)."""
    from confide.intake.services import current_consent_document

    document = current_consent_document()
    body = document.body if document else ""
    if FALLBACK_HEADING not in body:
        return DEFAULT_FALLBACK
    section = body.split(FALLBACK_HEADING, 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split()) or DEFAULT_FALLBACK


@dataclass(frozen=True)
class EmergencyDetails:
    session_address: str
    location_phone: str
    alternate_phone: str
    support_person_name: str
    support_person_phone: str
    support_person_relationship: str
    emergency_number: str


def emergency_details(ctx: RequestContext, visit: Visit) -> EmergencyDetails | None:
    """The client's emergency plan for the visit's therapist (start confirmation, backup phone).

    Side effects: audit ``visit.emergency_details`` plus intake's own ``emergency_plan.view``.
    """
    client = visit.appointment.client
    authorize(ctx, policies.can_see_emergency_details, visit, action="visit.emergency_details", subject=client)
    from confide.intake.services import read_emergency_plan

    plan = read_emergency_plan(ctx, client)
    if plan is None:
        return None
    return EmergencyDetails(
        plan.session_address,
        plan.location_phone,
        plan.alternate_phone,
        plan.support_person_name,
        plan.support_person_phone,
        plan.support_person_relationship,
        plan.emergency_number,
    )
