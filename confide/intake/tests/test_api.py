"""Intake API: consent, status, measures, FHIR — and the wrong person refused on each endpoint."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from confide.intake import services
from confide.intake.models import ConsentDocument, MeasureResponse
from confide.privacy.audit import RequestContext
from confide.safety.models import SafetyEvent

JSON = "application/json"
ALL_ZERO_PHQ9 = {f"q{i}": 0 for i in range(1, 10)}


@pytest.mark.django_db
def test_consent_status_and_sign(as_client, client_user):
    status = as_client.get("/api/intake/consent").json()
    assert (status["current_version"], status["signed"]) == (1, False)
    signed = as_client.post("/api/intake/consent/sign", {"version": 1, "typed_name": "Casey Jones"}, content_type=JSON)
    assert signed.status_code == 201
    assert as_client.get("/api/intake/consent").json()["signed"] is True
    ConsentDocument.objects.create(
        kind="telehealth", version=2, title="v2", body="b", published_at="2026-01-01T00:00:00Z"
    )
    assert as_client.get("/api/intake/consent").json() == {**status, "current_version": 2, "title": "v2"}
    old = as_client.post("/api/intake/consent/sign", {"version": 1, "typed_name": "Casey Jones"}, content_type=JSON)
    assert old.status_code == 422


@pytest.mark.parametrize(
    "payload",
    [{"version": 1}, {"version": 1, "typed_name": "Casey", "ip": "1.2.3.4"}, {"version": 999, "typed_name": "Casey"}],
)
@pytest.mark.django_db
def test_consent_sign_bad_input(as_client, payload):
    assert as_client.post("/api/intake/consent/sign", payload, content_type=JSON).status_code in (404, 422)


@pytest.mark.django_db
def test_intake_endpoints_refuse_clinicians_and_anonymous(client, as_therapist, as_staff):
    for http in (as_therapist, as_staff):
        assert http.get("/api/intake/consent").status_code == 403
        assert http.get("/api/intake/status").status_code == 403
        assert (
            http.post("/api/intake/consent/sign", {"version": 1, "typed_name": "X Y"}, content_type=JSON).status_code
            == 403
        )
        assert (
            http.post("/api/intake/measures", {"instrument": "phq9", "answers": {}}, content_type=JSON).status_code
            == 403
        )
    assert client.get("/api/intake/status").status_code == 401


@pytest.mark.django_db
def test_status(as_client):
    assert as_client.get("/api/intake/status").json() == {
        "consent_current": False,
        "emergency_plan_complete": False,
        "intake_status": "not_started",
        "measures_due": ["phq9", "gad7"],
        "follow_up_pending": False,
    }


@pytest.mark.django_db
def test_submit_measure_partial_then_complete(as_client, client_user):
    partial = as_client.post(
        "/api/intake/measures", {"instrument": "gad7", "answers": {"q1": 1}, "complete": False}, content_type=JSON
    )
    assert partial.status_code == 200 and partial.json()["measure"]["total"] is None
    incomplete = as_client.post("/api/intake/measures", {"instrument": "gad7", "answers": {"q2": 1}}, content_type=JSON)
    assert incomplete.status_code == 422
    assert "q3" in incomplete.json()["fields"]
    rest = {f"q{i}": 2 for i in range(3, 8)}
    done = as_client.post("/api/intake/measures", {"instrument": "gad7", "answers": rest}, content_type=JSON)
    assert done.status_code == 201
    assert (done.json()["measure"]["total"], done.json()["measure"]["band"]) == (12, "moderate")
    assert MeasureResponse.objects.filter(client=client_user).count() == 1


@pytest.mark.django_db
def test_submit_phq9_item9_escalates(care, as_client, client_user):
    body = as_client.post(
        "/api/intake/measures", {"instrument": "phq9", "answers": {**ALL_ZERO_PHQ9, "q9": 3}}, content_type=JSON
    ).json()
    assert body["escalated"] is True and body["show_crisis_resources"] is True
    assert body["follow_up_id"] is not None
    assert SafetyEvent.objects.get(client=client_user).source == "phq9_item9"


@pytest.mark.parametrize(
    "payload",
    [
        {"instrument": "bdi", "answers": {}},
        {"instrument": "phq9", "answers": {"q1": "lots"}},
        {"instrument": "phq9", "answers": {}, "sneaky": True},
        {"instrument": "phq9"},
    ],
)
@pytest.mark.django_db
def test_submit_measure_bad_input_is_422(as_client, payload):
    assert as_client.post("/api/intake/measures", payload, content_type=JSON).status_code == 422


@pytest.mark.django_db
def test_list_measures_permissions(
    care, as_client, as_therapist, as_other_therapist, as_other_client, as_staff, client_user
):
    as_client.post("/api/intake/measures", {"instrument": "phq9", "answers": ALL_ZERO_PHQ9}, content_type=JSON)
    assert len(as_client.get("/api/intake/measures").json()) == 1
    url = f"/api/intake/measures?client_id={client_user.pk}"
    assert [m["total"] for m in as_therapist.get(url).json()] == [0]
    for http in (as_other_therapist, as_other_client, as_staff):
        assert http.get(url).status_code == 404
    assert as_therapist.get("/api/intake/measures").status_code == 403  # a therapist has no own measures


@pytest.mark.django_db
def test_fhir_endpoint(care, as_client, as_therapist, as_other_therapist, client_user):
    as_client.post("/api/intake/measures", {"instrument": "phq9", "answers": ALL_ZERO_PHQ9}, content_type=JSON)
    measure = MeasureResponse.objects.get()
    url = f"/api/intake/measures/{measure.pk}/fhir"
    for http in (as_client, as_therapist):
        response = http.get(url)
        assert response.status_code == 200
        Bundle.model_validate(response.json())
    assert as_other_therapist.get(url).status_code == 404
    unfinished = services.start_measure(RequestContext(user=client_user), client_user, "gad7")
    assert as_client.get(f"/api/intake/measures/{unfinished.pk}/fhir").status_code == 404
