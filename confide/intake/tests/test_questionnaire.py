"""The intake questionnaire: save and resume, required answers, bad input, screening of free text."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from confide.intake import services
from confide.intake.definitions import intake_questions
from confide.intake.questionnaires import intake_summary, missing_required
from confide.privacy.audit import RequestContext
from confide.safety.models import Level, SafetyEvent, Source

FULL = {
    "concerns": "Low mood since I lost my job, and trouble sleeping.",
    "concern_duration": "6_12_months",
    "previous_therapy": "past",
    "medication": "no",
    "hospitalisation": "never",
    "experiences": ["none"],
    "alcohol": "monthly",
    "drugs": "never",
    "goals": "Sleep better and feel like myself again.",
}


def ctx_for(user) -> RequestContext:
    return RequestContext(user=user, ip="198.51.100.7", user_agent="pytest")


def test_definition_covers_the_issue_topics():
    ids = {q["id"] for q in intake_questions()}
    for topic in ("concerns", "concern_duration", "concern_history", "previous_therapy", "medication",
                  "hospitalisation", "alcohol", "drugs", "support_people", "goals"):  # fmt: skip
        assert topic in ids


@pytest.mark.django_db
def test_save_and_resume_then_submit(client_user):
    ctx = ctx_for(client_user)
    first = services.save_intake(ctx, client_user, {"concerns": FULL["concerns"]})
    assert first.status == "in_progress"
    with pytest.raises(ValidationError) as caught:
        services.submit_intake(ctx, client_user)
    assert "goals" in caught.value.message_dict and "concerns" not in caught.value.message_dict
    again = services.save_intake(ctx, client_user, {k: v for k, v in FULL.items() if k != "concerns"})
    assert again.pk == first.pk
    assert again.answers["concerns"] == FULL["concerns"]
    assert missing_required(again) == []
    submitted = services.submit_intake(ctx, client_user)
    assert (submitted.status, submitted.completed_at is not None) == ("completed", True)
    with pytest.raises(ValidationError):
        services.save_intake(ctx, client_user, {"goals": "changed"})


@pytest.mark.django_db
def test_answers_are_encrypted_at_rest(client_user):
    services.save_intake(ctx_for(client_user), client_user, FULL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM intake_intakeresponse")
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc1:") and "job" not in stored


@pytest.mark.parametrize(
    "bad",
    [
        {"concern_duration": "forever"},
        {"experiences": ["voices", "none"]},
        {"experiences": ["aliens"]},
        {"concerns": "x" * 4001},
    ],
)
@pytest.mark.django_db
def test_bad_values_are_refused_with_field_errors(client_user, bad):
    with pytest.raises(ValidationError) as caught:
        services.save_intake(ctx_for(client_user), client_user, bad)
    assert list(caught.value.message_dict) == list(bad)


@pytest.mark.parametrize(
    "odd",
    [
        {},
        {"unknown": "x"},
        {"concerns": ""},
        {"concerns": "😀🙏"},
        {"concerns": 42},
        {"concerns": "Hola, estoy triste"},
    ],
)
@pytest.mark.django_db
def test_odd_input_is_saved_without_exceptions(client_user, odd):
    response = services.save_intake(ctx_for(client_user), client_user, odd)
    assert "unknown" not in response.answers


@pytest.mark.django_db
def test_urgent_free_text_escalates_once_per_intake(care, client_user):
    ctx = ctx_for(client_user)
    services.save_intake(ctx, client_user, {"concerns": "I want to kill myself and I have the pills ready"})
    services.save_intake(ctx, client_user, {"goals": "I want to end my life, I have a plan"})
    event = SafetyEvent.objects.get(client=client_user)
    assert (event.source, event.level) == (Source.TEXT_SCREENING, Level.HIGH)
    assert event.source_ref.startswith("intake:")
    assert "pills" in event.trigger_text


@pytest.mark.django_db
def test_intake_readable_by_client_and_therapist_only(
    care, client_user, therapist, other_therapist, other_client, staff
):
    services.save_intake(ctx_for(client_user), client_user, FULL)
    assert services.read_intake(ctx_for(therapist), client_user).answers["goals"] == FULL["goals"]
    for outsider in (other_therapist, other_client, staff):
        with pytest.raises(Http404):
            services.read_intake(ctx_for(outsider), client_user)
    with pytest.raises(Http404):
        services.save_intake(ctx_for(therapist), client_user, {"goals": "therapist wrote this"})


@pytest.mark.django_db
def test_summary_uses_option_labels(client_user):
    response = services.save_intake(ctx_for(client_user), client_user, FULL)
    items = {item.question: item.answer for section in intake_summary(response) for item in section.items}
    assert items["How long has this been going on?"] == "6 to 12 months"
    assert items["In the past year, have you had any of these experiences?"] == "None of these"
    assert items["How did it start, and what makes it better or worse?"] == "—"


@pytest.mark.django_db
def test_triage_for_uses_submitted_intake_and_latest_measures(care, client_user, therapist):
    ctx = ctx_for(client_user)
    services.save_intake(ctx, client_user, {**FULL, "hospitalisation": "past_12_months"})
    assert services.triage_for(ctx_for(therapist), client_user).outcome == "online"  # not submitted yet
    services.submit_intake(ctx, client_user)
    result = services.triage_for(ctx_for(therapist), client_user)
    assert (result.outcome, result.rule_ids) == ("in_person", ["recent_hospitalisation"])
