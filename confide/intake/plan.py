"""The client's emergency plan: where they are during sessions and who to call."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from confide.intake import policies
from confide.intake.models import EmergencyPlan
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

PLAN_FIELDS = (
    "session_address",
    "location_phone",
    "alternate_phone",
    "support_person_name",
    "support_person_phone",
    "support_person_relationship",
    "support_person_consent",
    "emergency_number",
)
REQUIRED_FIELDS = (
    "session_address",
    "location_phone",
    "alternate_phone",
    "support_person_name",
    "support_person_phone",
    "emergency_number",
)
MAX_CHARS = {"session_address": 500}
DEFAULT_MAX_CHARS = 120


def emergency_plan_complete(client) -> bool:
    """True when the client has filled in every required part of their emergency plan."""
    plan = EmergencyPlan.objects.filter(client_id=getattr(client, "pk", None)).first()
    return plan is not None and plan_is_complete(plan)


def plan_is_complete(plan: EmergencyPlan) -> bool:
    if any(not (getattr(plan, name) or "").strip() for name in REQUIRED_FIELDS):
        return False
    return plan.support_person_consent == "yes"


def read_emergency_plan(ctx: RequestContext, client) -> EmergencyPlan | None:
    """The plan for an authorised viewer (audited); None when the client has none yet."""
    authorize(ctx, policies.can_view_emergency_plan, client, action="emergency_plan.view", subject=client)
    return EmergencyPlan.objects.filter(client=client).first()


def save_emergency_plan(ctx: RequestContext, client, **values: str) -> EmergencyPlan:
    """Create or update the client's plan. A partial plan is saved (and stays incomplete).

    Side effects: audit event ``emergency_plan.update``.
    """
    authorize(ctx, policies.can_answer_intake, client, action="emergency_plan.update", subject=client)
    cleaned = _clean(values)
    with transaction.atomic():
        plan, _ = EmergencyPlan.objects.select_for_update().get_or_create(client=client)
        for name, value in cleaned.items():
            setattr(plan, name, value)
        plan.save()
        record_event(ctx, "emergency_plan.update", object_type="emergency_plan", object_id=plan.pk, subject=client)
    return plan


def _clean(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown emergency plan fields: {', '.join(sorted(unknown))}.")
    cleaned, errors = {}, {}
    for name, value in values.items():
        if isinstance(value, bool):
            value = "yes" if value else ""
        text = " ".join(str(value or "").split()) if name != "session_address" else str(value or "").strip()
        if len(text) > MAX_CHARS.get(name, DEFAULT_MAX_CHARS):
            errors[name] = f"Keep this under {MAX_CHARS.get(name, DEFAULT_MAX_CHARS)} characters."
        is_phone = name.endswith("phone") or name == "emergency_number"
        if is_phone and text and not _looks_like_phone(text):
            errors[name] = "Enter a phone number using digits (spaces, +, -, ( ) are fine)."
        cleaned[name] = text
    if "support_person_consent" in cleaned and cleaned["support_person_consent"] not in ("", "yes"):
        errors["support_person_consent"] = "Answer yes, or leave it unticked."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return 2 <= digits <= 20 and all(ch.isdigit() or ch in " +-().#*ext" for ch in text)
