"""Measures: save and resume, complete and score, item 9 → C-SSRS → escalation, schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from confide.intake import services
from confide.intake.models import MeasureResponse, MeasureSchedule
from confide.privacy.audit import RequestContext
from confide.safety.models import Alert, Level, SafetyEvent, Source


def ctx_for(user) -> RequestContext:
    return RequestContext(user=user, ip="198.51.100.7", user_agent="pytest")


def phq9(total_items: list[int]) -> dict[str, int]:
    return {f"q{i}": v for i, v in enumerate(total_items, start=1)}


def answer(client, key: str, answers: dict, **kwargs):
    ctx = ctx_for(client)
    response = services.start_measure(ctx, client, key)
    services.save_measure_answers(ctx, response, answers)
    return services.complete_measure(ctx, response)


@pytest.mark.django_db
def test_complete_phq9_is_scored(client_user):
    outcome = answer(client_user, "phq9", {**phq9([2, 2, 2, 1, 1, 1, 1, 1, 0]), "difficulty": 2})
    response = MeasureResponse.objects.get(pk=outcome.response.pk)
    assert response.status == "completed"
    assert response.result == {"total": 11, "band": "moderate", "band_label": "Moderate", "item9": 0}
    assert outcome.follow_up is None and outcome.safety_event is None


@pytest.mark.django_db
def test_partial_answers_are_kept_and_resumed_never_scored(client_user):
    ctx = ctx_for(client_user)
    response = services.start_measure(ctx, client_user, "gad7")
    services.save_measure_answers(ctx, response, {"q1": 1, "q2": 2})
    with pytest.raises(ValidationError) as caught:
        services.complete_measure(ctx, response)
    assert sorted(caught.value.message_dict) == ["q3", "q4", "q5", "q6", "q7"]
    resumed = services.start_measure(ctx, client_user, "gad7")
    assert resumed.pk == response.pk
    assert resumed.answers == {"q1": 1, "q2": 2}
    assert (resumed.status, resumed.result) == ("in_progress", None)
    services.save_measure_answers(ctx, resumed, {"q3": 0, "q4": 0, "q5": 0, "q6": 0, "q7": 3})
    assert services.complete_measure(ctx, resumed).response.result["total"] == 6


@pytest.mark.django_db
def test_answers_and_result_are_encrypted_at_rest(client_user):
    outcome = answer(client_user, "phq9", phq9([3, 3, 3, 3, 3, 3, 3, 3, 0]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers, result FROM intake_measureresponse")
        answers, result = cursor.fetchone()
    assert answers.startswith("enc1:") and result.startswith("enc1:")
    # Ciphertext is random base64: it may contain "24" by chance, so look for the plaintext's shape.
    assert '"total": 24' not in result and '"total":24' not in result and "severe" not in result
    assert '"q1"' not in answers
    assert outcome.response.result["total"] == 24


@pytest.mark.django_db
def test_completed_measure_cannot_change(client_user):
    outcome = answer(client_user, "gad7", {f"q{i}": 0 for i in range(1, 8)})
    with pytest.raises(ValidationError):
        services.save_measure_answers(ctx_for(client_user), outcome.response, {"q1": 3})
    with pytest.raises(ValidationError):
        services.complete_measure(ctx_for(client_user), outcome.response)


@pytest.mark.django_db
def test_phq9_item9_escalates_and_starts_cssrs_whatever_the_total(care, client_user, therapist, staff):
    outcome = answer(client_user, "phq9", phq9([0, 0, 0, 0, 0, 0, 0, 0, 1]))
    assert outcome.response.result["total"] == 1
    event = outcome.safety_event
    assert (event.source, event.level, event.status) == (Source.PHQ9_ITEM9, Level.MODERATE, "open")
    assert sorted(Alert.objects.filter(event=event).values_list("recipient__email", flat=True)) == sorted(
        [therapist.email, staff.email]
    )
    assert outcome.follow_up.instrument == "cssrs"
    assert outcome.follow_up.follows_id == outcome.response.pk
    assert services.pending_follow_up(client_user) == outcome.follow_up


@pytest.mark.django_db
def test_cssrs_high_raises_the_same_event(care, client_user, therapist, staff):
    first = answer(client_user, "phq9", phq9([1, 1, 1, 1, 1, 1, 1, 1, 2]))
    ctx = ctx_for(client_user)
    cssrs = services.start_measure(ctx, client_user, "cssrs")
    assert cssrs.pk == first.follow_up.pk
    services.save_measure_answers(ctx, cssrs, {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0})
    outcome = services.complete_measure(ctx, cssrs)
    assert outcome.response.result == {"risk": "high"}
    assert outcome.safety_event.pk == first.safety_event.pk
    event = SafetyEvent.objects.get()
    assert event.level == Level.HIGH
    assert "C-SSRS screener (since last contact): high risk." in event.reasons
    assert services.pending_follow_up(client_user) is None


@pytest.mark.django_db
def test_cssrs_all_no_keeps_the_item9_event_moderate(care, client_user):
    answer(client_user, "phq9", phq9([0, 0, 0, 0, 0, 0, 0, 0, 1]))
    outcome = answer(client_user, "cssrs", {"q1": 0, "q2": 0, "q6": 0})
    assert outcome.response.result == {"risk": "none"}
    assert SafetyEvent.objects.get().level == Level.MODERATE


@pytest.mark.django_db
def test_standalone_cssrs_moderate_opens_its_own_event(care, client_user):
    outcome = answer(client_user, "cssrs", {"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 0})
    assert (outcome.safety_event.source, outcome.safety_event.level) == (Source.CSSRS, Level.MODERATE)


@pytest.mark.django_db
def test_unknown_instrument_is_refused(client_user):
    with pytest.raises(ValidationError):
        services.start_measure(ctx_for(client_user), client_user, "bdi")


@pytest.mark.django_db
def test_measures_due_at_intake_then_by_schedule(care, client_user, therapist):
    assert services.measures_due(client_user) == ["phq9", "gad7"]
    answer(client_user, "phq9", phq9([0] * 9))
    answer(client_user, "gad7", {f"q{i}": 0 for i in range(1, 8)})
    assert services.measures_due(client_user) == []
    later = timezone.now() + timedelta(weeks=2, minutes=1)
    assert services.measures_due(client_user, now=later) == ["phq9", "gad7"]  # default: every 2 weeks
    services.set_measure_schedule(ctx_for(therapist), client_user, mode="every_n_weeks", interval_weeks=4)
    assert services.measures_due(client_user, now=later) == []
    services.set_measure_schedule(ctx_for(therapist), client_user, mode="intake_only")
    assert services.measures_due(client_user, now=later + timedelta(weeks=52)) == []


@pytest.mark.django_db
def test_measures_due_before_each_session(care, client_user, therapist):
    answer(client_user, "phq9", phq9([0] * 9))
    answer(client_user, "gad7", {f"q{i}": 0 for i in range(1, 8)})
    services.set_measure_schedule(ctx_for(therapist), client_user, mode="before_each_session")
    session = timezone.now() + timedelta(days=10)
    assert services.measures_due(client_user, next_session_at=session) == []  # too early to ask
    assert services.measures_due(client_user, now=session - timedelta(hours=24), next_session_at=session) == [
        "phq9",
        "gad7",
    ]
    assert MeasureSchedule.objects.get(client=client_user).set_by == therapist


@pytest.mark.django_db
def test_only_the_treating_therapist_sets_the_schedule(care, client_user, other_therapist, staff):
    from django.http import Http404

    for actor in (client_user, other_therapist, staff):
        with pytest.raises(Http404):
            services.set_measure_schedule(ctx_for(actor), client_user, mode="intake_only")
    with pytest.raises(ValidationError):
        services.set_measure_schedule(ctx_for(care.therapist), client_user, mode="every_n_weeks", interval_weeks=60)


@pytest.mark.django_db
def test_nobody_answers_for_the_client(care, client_user, therapist):
    from django.http import Http404

    with pytest.raises(Http404):
        services.start_measure(ctx_for(therapist), client_user, "phq9")
    response = services.start_measure(ctx_for(client_user), client_user, "phq9")
    with pytest.raises(Http404):
        services.save_measure_answers(ctx_for(therapist), response, {"q1": 3})


@pytest.mark.django_db
def test_unfinished_standalone_cssrs_becomes_the_follow_up(care, client_user):
    ctx = ctx_for(client_user)
    standalone = services.start_measure(ctx, client_user, "cssrs")
    outcome = answer(client_user, "phq9", phq9([0, 0, 0, 0, 0, 0, 0, 0, 2]))
    assert outcome.follow_up.pk == standalone.pk
    assert services.pending_follow_up(client_user) == standalone
    services.save_measure_answers(ctx, standalone, {"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 1})
    services.complete_measure(ctx, standalone)
    assert SafetyEvent.objects.get().level == Level.HIGH  # the item-9 event, raised
