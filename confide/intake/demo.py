"""Demo data for intake: the first demo client has signed consent, a plan, an intake and 8 weeks of scores.

Idempotent: does nothing for a client who already has measures.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from confide.intake import services
from confide.intake.models import MeasureResponse
from confide.privacy.audit import RequestContext

# (weeks ago, PHQ-9 items, GAD-7 items): improving, with a reliable change by the end.
HISTORY = [
    (8, [2, 2, 2, 2, 1, 2, 2, 1, 0], [2, 2, 2, 2, 1, 2, 1]),
    (6, [2, 2, 1, 2, 1, 2, 1, 1, 0], [2, 2, 2, 1, 1, 2, 1]),
    (4, [1, 2, 1, 1, 1, 1, 1, 1, 0], [1, 2, 1, 1, 1, 1, 1]),
    (2, [1, 1, 1, 1, 0, 1, 1, 0, 0], [1, 1, 1, 1, 0, 1, 0]),
    (0, [1, 1, 0, 1, 0, 1, 0, 0, 0], [1, 1, 1, 0, 0, 1, 0]),
]
INTAKE = {
    "concerns": "Feeling low and tired since a move to a new city; trouble sleeping.",
    "concern_duration": "6_12_months",
    "previous_therapy": "past",
    "medication": "no",
    "hospitalisation": "never",
    "experiences": ["none"],
    "alcohol": "monthly",
    "drugs": "never",
    "support_people": "My sister, and a running group.",
    "goals": "Sleep better, feel more like myself, and make a couple of friends here.",
}
PLAN = {
    "session_address": "Demo address (not a real place)",
    "location_phone": "555 0100",
    "alternate_phone": "555 0101",
    "support_person_name": "Demo sister",
    "support_person_phone": "555 0102",
    "support_person_relationship": "sister",
    "support_person_consent": "yes",
    "emergency_number": "911",
}


def populate(people) -> None:
    if not people.clients:
        return
    client = people.clients[0]
    if MeasureResponse.objects.filter(client=client).exists():
        return
    ctx = RequestContext(user=client, ip=None, user_agent="demo")
    document = services.current_consent_document()
    if document is not None and not services.has_current_telehealth_consent(client):
        services.sign_consent(ctx, client, document=document, typed_name="River Demo")
    services.save_emergency_plan(ctx, client, **PLAN)
    services.save_intake(ctx, client, INTAKE)
    services.submit_intake(ctx, client)
    now = timezone.now()
    for weeks_ago, phq9, gad7 in HISTORY:
        when = now - timedelta(weeks=weeks_ago)
        for key, values in (("phq9", phq9), ("gad7", gad7)):
            response = services.start_measure(ctx, client, key)
            services.save_measure_answers(ctx, response, {f"q{i}": v for i, v in enumerate(values, start=1)})
            services.complete_measure(ctx, response)
            MeasureResponse.objects.filter(pk=response.pk).update(created_at=when, completed_at=when)
