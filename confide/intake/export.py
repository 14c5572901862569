"""Intake's part of a client's data export: questionnaire answers, consent signatures, emergency plan, measures.

Answers are decrypted and shown with the question text and option labels of the
definition version they answered, next to the stored value.
"""

from __future__ import annotations

from typing import Any

from confide.intake.definitions import instrument, intake_questionnaire
from confide.intake.models import ConsentSignature, EmergencyPlan, IntakeResponse, MeasureResponse, MeasureSchedule
from confide.intake.plan import PLAN_FIELDS
from confide.privacy.audit import AuditEntry, record_events


def collect(ctx, client) -> dict:
    """Called by accounts.transparency.export_client_data (which authorises the export); audits each record."""
    intakes = list(IntakeResponse.objects.filter(client=client).order_by("created_at"))
    signatures = list(ConsentSignature.objects.filter(client=client).select_related("document").order_by("signed_at"))
    plan = EmergencyPlan.objects.filter(client=client).first()
    measures = list(MeasureResponse.objects.filter(client=client).order_by("created_at"))
    schedule = MeasureSchedule.objects.filter(client=client).first()
    _audit(ctx, client, [("intake", r) for r in intakes] + [("consent_signature", s) for s in signatures])
    _audit(ctx, client, ([("emergency_plan", plan)] if plan else []) + [("measure", m) for m in measures])
    return {
        "intake_questionnaires": [_intake(r) for r in intakes],
        "consent_signatures": [_signature(s) for s in signatures],
        "emergency_plan": _plan(plan) if plan else None,
        "measures": [_measure(m) for m in measures],
        "measure_schedule": _schedule(schedule) if schedule else None,
    }


def _audit(ctx, client, rows: list[tuple[str, Any]]) -> None:
    """One ``<type>.export`` event per record, as messaging and telehealth do (one chain append)."""
    record_events([AuditEntry(ctx, f"{kind}.export", kind, row.pk, client) for kind, row in rows])


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _intake(response: IntakeResponse) -> dict:
    return {
        "questionnaire": response.questionnaire,
        "status": response.get_status_display(),
        "started_at": _iso(response.created_at),
        "last_saved_at": _iso(response.updated_at),
        "submitted_at": _iso(response.completed_at),
        "answers": _intake_answers(response.questionnaire, response.answers or {}),
    }


def _intake_answers(version: str, answers: dict[str, Any]) -> list[dict]:
    """Question by question in the questionnaire's order; answers to unknown questions are kept raw."""
    try:
        sections = intake_questionnaire(version)["sections"]
    except (KeyError, OSError):
        sections = []
    rows, seen = [], set()
    for section in sections:
        for question in section["questions"]:
            seen.add(question["id"])
            if question["id"] in answers:
                rows.append(_intake_row(section["title"], question, answers[question["id"]]))
    rows += [{"question_id": qid, "answer": value} for qid, value in answers.items() if qid not in seen]
    return rows


def _intake_row(section: str, question: dict[str, Any], value: Any) -> dict:
    labels = dict(question.get("options", []))
    shown = [labels.get(v, v) for v in value] if isinstance(value, list) else labels.get(value, value)
    return {"section": section, "question_id": question["id"], "question": question["label"], "answer": shown}


def _signature(signature: ConsentSignature) -> dict:
    document = signature.document
    return {
        "document": document.get_kind_display(),
        "title": document.title,
        "version": document.version,
        "signed_at": _iso(signature.signed_at),
        "typed_name": signature.typed_name,
        "ip": signature.ip,
        "user_agent": signature.user_agent,
    }


def _plan(plan: EmergencyPlan) -> dict:
    return {
        **{name: getattr(plan, name) for name in PLAN_FIELDS},
        "created_at": _iso(plan.created_at),
        "updated_at": _iso(plan.updated_at),
    }


def _measure(response: MeasureResponse) -> dict:
    result = response.result or {}
    return {
        "instrument": response.get_instrument_display(),
        "version": response.version,
        "status": response.get_status_display(),
        "started_at": _iso(response.created_at),
        "answered_at": _iso(response.completed_at),
        "follow_up_to_phq9": response.follows_id is not None,
        "answers": _measure_answers(response),
        "total_score": result.get("total"),
        "severity": result.get("band_label"),
        "risk": result.get("risk"),
    }


def _measure_answers(response: MeasureResponse) -> list[dict]:
    """Item text and option labels come from the definition only when it is the version answered."""
    definition = instrument(response.instrument)
    items = definition["items"] + definition.get("extra", []) if definition["version"] == response.version else []
    answers = response.answers or {}
    rows = []
    for item in items:
        if item["id"] in answers:
            labels = {int(o["value"]): o["label"] for o in item.get("options", definition["options"])}
            value = answers[item["id"]]
            rows.append({"item": item["id"], "question": item["text"], "value": value, "answer": labels.get(value)})
    known = {row["item"] for row in rows}
    return rows + [{"item": key, "value": value} for key, value in answers.items() if key not in known]


def _schedule(schedule: MeasureSchedule) -> dict:
    return {"repeat": schedule.get_mode_display(), "interval_weeks": schedule.interval_weeks}
