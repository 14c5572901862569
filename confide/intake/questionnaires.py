"""The intake questionnaire: save and resume, submit, read as a summary.

Free-text answers are screened for risk language each time they are saved
(``safety.escalation.screen_client_text``); all answers of one intake share a
``source_ref``, so repeated saves update one safety event instead of adding more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.intake import policies
from confide.intake.definitions import CURRENT_INTAKE, intake_questionnaire, intake_questions
from confide.intake.models import IntakeResponse, ResponseStatus
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

TEXT_TYPES = ("text", "textarea")


def latest_intake(client) -> IntakeResponse | None:
    return IntakeResponse.objects.filter(client=client).order_by("-created_at").first()


def read_intake(ctx: RequestContext, client) -> IntakeResponse | None:
    """The client's latest intake for an authorised viewer (audited ``intake.view``)."""
    authorize(ctx, policies.can_view_intake, client, action="intake.view", subject=client)
    return latest_intake(client)


def save_intake(ctx: RequestContext, client, answers: dict[str, Any]) -> IntakeResponse:
    """Merge answers into the client's unfinished intake (created on first save).

    Unknown questions are ignored; values are checked against the question's
    type and options. Side effects: audit ``intake.save``; free text screened.
    """
    authorize(ctx, policies.can_answer_intake, client, action="intake.save", subject=client)
    cleaned = clean_intake_answers(answers if isinstance(answers, dict) else {})
    with transaction.atomic():
        response = latest_intake(client)
        if response is not None and response.status == ResponseStatus.COMPLETED:
            raise ValidationError("Your intake is already submitted. Tell your therapist if something has changed.")
        if response is None:
            response = IntakeResponse.objects.create(client=client, questionnaire=CURRENT_INTAKE)
        before = dict(response.answers or {})
        response.answers = {**before, **cleaned}
        response.save(update_fields=["answers", "updated_at"])
        record_event(ctx, "intake.save", object_type="intake", object_id=response.pk, subject=client)
    _screen_changed_text(ctx, client, response, before)
    return response


def submit_intake(ctx: RequestContext, client) -> IntakeResponse:
    """Mark the intake complete once every required question is answered."""
    authorize(ctx, policies.can_answer_intake, client, action="intake.submit", subject=client)
    response = latest_intake(client)
    if response is None or response.status == ResponseStatus.COMPLETED:
        raise ValidationError("There is no unfinished intake to submit.")
    missing = missing_required(response)
    if missing:
        raise ValidationError({qid: "Please answer this question." for qid in missing})
    with transaction.atomic():
        response.status, response.completed_at = ResponseStatus.COMPLETED, timezone.now()
        response.save(update_fields=["status", "completed_at", "updated_at"])
        record_event(ctx, "intake.submit", object_type="intake", object_id=response.pk, subject=client)
    return response


def missing_required(response: IntakeResponse) -> list[str]:
    answers = response.answers or {}
    return [q["id"] for q in intake_questions(response.questionnaire) if q.get("required") and not answers.get(q["id"])]


def clean_intake_answers(raw: dict[str, Any], version: str = CURRENT_INTAKE) -> dict[str, Any]:
    errors, cleaned = {}, {}
    for question in intake_questions(version):
        qid = question["id"]
        if qid not in raw:
            continue
        try:
            cleaned[qid] = _clean_value(question, raw[qid])
        except ValueError as exc:
            errors[qid] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_value(question: dict[str, Any], value: Any) -> Any:
    kind = question["type"]
    allowed = {key for key, _ in question.get("options", [])}
    if kind in TEXT_TYPES:
        text = value if isinstance(value, str) else ""
        text = text.replace("\x00", "").strip()
        if len(text) > question.get("max_length", 2000):
            raise ValueError(f"Please keep this under {question.get('max_length', 2000)} characters.")
        return text
    if kind == "choice":
        if value in ("", None):
            return ""
        if value not in allowed:
            raise ValueError("Choose one of the options.")
        return value
    values = value if isinstance(value, list) else [value]
    values = [v for v in values if v not in ("", None)]
    if any(v not in allowed for v in values):
        raise ValueError("Choose from the options.")
    if "none" in values and len(values) > 1:
        raise ValueError("“None of these” cannot be combined with other answers.")
    return sorted(set(values))


def _screen_changed_text(ctx: RequestContext, client, response: IntakeResponse, before: dict[str, Any]) -> None:
    from confide.safety.escalation import screen_client_text

    for question in intake_questions(response.questionnaire):
        qid = question["id"]
        text = response.answers.get(qid)
        if question["type"] in TEXT_TYPES and text and text != before.get(qid):
            screen_client_text(ctx, client, text, source="intake", source_ref=f"intake:{response.pk}")


@dataclass(frozen=True)
class SummaryItem:
    question: str
    answer: str


@dataclass(frozen=True)
class SummarySection:
    title: str
    items: list[SummaryItem]


def intake_summary(response: IntakeResponse) -> list[SummarySection]:
    """Readable question/answer pairs, with option labels instead of keys."""
    answers = response.answers or {}
    sections = []
    for section in intake_questionnaire(response.questionnaire)["sections"]:
        items = [SummaryItem(q["label"], _display(q, answers.get(q["id"]))) for q in section["questions"]]
        sections.append(SummarySection(section["title"], items))
    return sections


def _display(question: dict[str, Any], value: Any) -> str:
    if value in (None, "", []):
        return "—"
    labels = dict(question.get("options", []))
    if isinstance(value, list):
        return "; ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))
