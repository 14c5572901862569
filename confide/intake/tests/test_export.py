"""A client's "Download my data" holds their intake answers, consent, emergency plan and measures, readable."""

from __future__ import annotations

import json

import pytest

from confide.core.testing.fixtures import download_my_data
from confide.intake import services
from confide.intake.models import IntakeResponse
from confide.intake.tests.test_consent_and_plan import COMPLETE_PLAN, ctx_for
from confide.intake.tests.test_questionnaire import FULL
from confide.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

FULL_INTAKE = {**FULL, "concerns": "Casey cannot sleep before exams"}
PLAN = COMPLETE_PLAN


def answer_measure(client, key: str, answers: dict, *, complete: bool = True):
    ctx = ctx_for(client)
    response = services.start_measure(ctx, client, key)
    services.save_measure_answers(ctx, response, answers)
    return services.complete_measure(ctx, response).response if complete else response


def fill_everything(client, *, marker: str) -> None:
    ctx = ctx_for(client)
    services.save_intake(ctx, client, {**FULL_INTAKE, "concerns": f"{marker} cannot sleep before exams"})
    services.submit_intake(ctx, client)
    services.sign_consent(ctx, client, document=services.current_consent_document(), typed_name=f"{marker} Jordan")
    services.save_emergency_plan(ctx, client, **{**PLAN, "support_person_name": f"{marker}'s sister"})
    answer_measure(client, "phq9", {**{f"q{i}": 1 for i in range(1, 9)}, "q9": 0, "difficulty": 1})


def test_export_intake_answers_are_decrypted_with_question_text(as_client, client_user):
    fill_everything(client_user, marker="Casey")
    intake = download_my_data(as_client)["intake"]
    [questionnaire] = intake["intake_questionnaires"]
    assert questionnaire["questionnaire"] == "intake-v1"
    assert questionnaire["status"] == "Completed"
    assert questionnaire["submitted_at"] is not None
    by_id = {row["question_id"]: row for row in questionnaire["answers"]}
    assert by_id["concerns"] == {
        "section": "What brings you here",
        "question_id": "concerns",
        "question": "What would you like help with?",
        "answer": "Casey cannot sleep before exams",
    }
    assert by_id["concern_duration"]["answer"] == "6 to 12 months"
    assert len(by_id) == len(FULL_INTAKE)


def test_export_in_progress_intake_and_retired_version(as_client, client_user):
    services.save_intake(ctx_for(client_user), client_user, {"concerns": "Half written", "alcohol": "monthly"})
    IntakeResponse.objects.create(client=client_user, questionnaire="intake-v0", answers={"mood": "low"})
    rows = download_my_data(as_client)["intake"]["intake_questionnaires"]
    by_version = {row["questionnaire"]: row for row in rows}
    current = by_version["intake-v1"]
    assert (current["status"], current["submitted_at"]) == ("In progress", None)
    assert [row["answer"] for row in current["answers"]] == ["Half written", "Monthly or less"]
    assert by_version["intake-v0"]["answers"] == [{"question_id": "mood", "answer": "low"}]


def test_export_consent_signature_and_emergency_plan(as_client, client_user):
    fill_everything(client_user, marker="Casey")
    intake = download_my_data(as_client)["intake"]
    [signature] = intake["consent_signatures"]
    document = services.current_consent_document()
    assert {k: v for k, v in signature.items() if k != "signed_at"} == {
        "document": "Telehealth informed consent",
        "title": document.title,
        "version": document.version,
        "typed_name": "Casey Jordan",
        "ip": "198.51.100.7",
        "user_agent": "Mozilla/5.0 test",
    }
    plan = intake["emergency_plan"]
    assert plan["support_person_name"] == "Casey's sister"
    assert plan["session_address"] == COMPLETE_PLAN["session_address"]
    assert plan["support_person_consent"] == "yes"


def test_export_measures_have_items_total_band_and_cssrs_risk(as_client, client_user):
    answer_measure(client_user, "phq9", {**{f"q{i}": 2 for i in range(1, 9)}, "q9": 0, "difficulty": 2})
    answer_measure(client_user, "cssrs", {"q1": 0, "q2": 0, "q6": 0})
    answer_measure(client_user, "gad7", {"q1": 3}, complete=False)
    measures = {m["instrument"]: m for m in download_my_data(as_client)["intake"]["measures"]}
    phq9 = measures["PHQ-9"]
    assert (phq9["total_score"], phq9["severity"], phq9["status"]) == (16, "Moderately severe", "Completed")
    assert phq9["answers"][1] == {
        "item": "q2",
        "question": "Feeling down, depressed, or hopeless",
        "value": 2,
        "answer": "More than half the days",
    }
    assert phq9["answers"][-1]["answer"] == "Very difficult"
    assert (measures["C-SSRS screener"]["risk"], measures["C-SSRS screener"]["answers"][0]["answer"]) == ("none", "No")
    gad7 = measures["GAD-7"]
    assert (gad7["status"], gad7["answered_at"], gad7["total_score"]) == ("In progress", None, None)
    assert gad7["answers"][0]["answer"] == "Nearly every day"


def test_export_leaves_out_another_clients_intake(as_client, client_user, other_client):
    fill_everything(other_client, marker="Olive")
    answer_measure(other_client, "gad7", {f"q{i}": 3 for i in range(1, 8)})
    data = download_my_data(as_client)
    assert "Olive" not in json.dumps(data, ensure_ascii=False)
    assert data["intake"]["measures"] == []


def test_export_audits_each_intake_record(as_client, client_user):
    fill_everything(client_user, marker="Casey")
    download_my_data(as_client)
    actions = AuditEvent.objects.filter(subject_ref=str(client_user.pk), action__endswith=".export")
    assert sorted(actions.values_list("action", flat=True)) == [
        "consent_signature.export",
        "emergency_plan.export",
        "intake.export",
        "measure.export",
    ]


def test_export_of_client_without_intake_has_empty_sections(as_client):
    assert download_my_data(as_client)["intake"] == {
        "intake_questionnaires": [],
        "consent_signatures": [],
        "emergency_plan": None,
        "measures": [],
        "measure_schedule": None,
    }
