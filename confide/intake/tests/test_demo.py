"""Demo data: idempotent, and the demo client's progress shows a reliable improvement."""

import pytest

from confide.core.demo import DemoPeople
from confide.intake import demo, services
from confide.intake.models import MeasureResponse
from confide.intake.scoring import change_since_baseline
from confide.privacy.audit import RequestContext


@pytest.mark.django_db
def test_populate_is_idempotent(client_user):
    people = DemoPeople(password="x", clients=[client_user])
    demo.populate(people)
    demo.populate(people)
    assert MeasureResponse.objects.filter(client=client_user, instrument="phq9").count() == 5
    assert services.has_current_telehealth_consent(client_user)
    assert services.emergency_plan_complete(client_user)
    totals = [
        r.result["total"] for r in services.completed_measures(RequestContext(user=client_user), client_user, "phq9")
    ]
    assert change_since_baseline("phq9", totals).direction == "improved"
