"""The verbs of the intake domain (public interface for views, API and other apps).

The work lives in modules named after what they hold (``consent``, ``plan``,
``questionnaires``, ``measures``, ``triage``); this module is the one place
other apps import from.
"""

from __future__ import annotations

from confide.intake.consent import (
    current_consent_document,
    current_signature,
    has_current_telehealth_consent,
    sign_consent,
)
from confide.intake.measures import (
    complete_measure,
    completed_measures,
    measures_due,
    pending_follow_up,
    save_measure_answers,
    set_measure_schedule,
    start_measure,
)
from confide.intake.plan import emergency_plan_complete, read_emergency_plan, save_emergency_plan
from confide.intake.questionnaires import read_intake, save_intake, submit_intake
from confide.intake.triage import Recommendation


def triage_for(ctx, client) -> Recommendation:
    """The recommendation from the latest intake, measures and open safety events (audited ``triage.view``)."""
    from confide.intake import policies
    from confide.intake.measures import latest_facts
    from confide.intake.models import ResponseStatus
    from confide.intake.questionnaires import latest_intake
    from confide.intake.triage import evaluate, facts_from
    from confide.privacy.access import authorize
    from confide.safety.escalation import highest_open_level

    authorize(ctx, policies.can_view_intake, client, action="triage.view", subject=client)
    intake = latest_intake(client)
    answers = intake.answers if intake and intake.status == ResponseStatus.COMPLETED else None
    return evaluate(facts_from(answers, latest_facts(client), open_safety_level=highest_open_level(client)))


__all__ = [
    "complete_measure",
    "completed_measures",
    "current_consent_document",
    "current_signature",
    "emergency_plan_complete",
    "has_current_telehealth_consent",
    "measures_due",
    "pending_follow_up",
    "read_emergency_plan",
    "read_intake",
    "save_emergency_plan",
    "save_intake",
    "save_measure_answers",
    "set_measure_schedule",
    "sign_consent",
    "start_measure",
    "submit_intake",
    "triage_for",
]
