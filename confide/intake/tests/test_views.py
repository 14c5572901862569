"""Intake pages: what each person sees, and that the wrong person is refused on every page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from confide.intake import services
from confide.intake.models import IntakeResponse, MeasureResponse
from confide.privacy.audit import RequestContext
from confide.safety.models import SafetyEvent

CLIENT_PAGES = [
    ("intake_home", {}),
    ("intake_questionnaire", {}),
    ("intake_consent", {}),
    ("intake_emergency_plan", {}),
    ("intake_measure", {"key": "phq9"}),
    ("intake_measure", {"key": "gad7"}),
    ("intake_progress", {}),
]
PHQ9_ITEMS = [f"q{i}" for i in range(1, 10)]


def ctx_for(user) -> RequestContext:
    return RequestContext(user=user)


def completed_phq9(client, values) -> MeasureResponse:
    ctx = ctx_for(client)
    response = services.start_measure(ctx, client, "phq9")
    services.save_measure_answers(ctx, response, dict(zip(PHQ9_ITEMS, values, strict=True)))
    return services.complete_measure(ctx, response).response


@pytest.mark.parametrize(("name", "kwargs"), CLIENT_PAGES)
@pytest.mark.django_db
def test_client_pages_need_sign_in(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "kwargs"), CLIENT_PAGES)
@pytest.mark.django_db
def test_client_pages_refuse_therapists_and_staff(as_therapist, as_staff, name, kwargs):
    assert as_therapist.get(reverse(name, kwargs=kwargs)).status_code == 403
    assert as_staff.get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), CLIENT_PAGES)
@pytest.mark.django_db
def test_client_pages_open_for_the_client(as_client, name, kwargs):
    assert as_client.get(reverse(name, kwargs=kwargs)).status_code == 200


@pytest.mark.django_db
def test_unknown_measure_is_404(as_client):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):  # no address can even be written for it
        reverse("intake_measure", kwargs={"key": "bdi"})
    assert as_client.get(reverse("intake_measure", kwargs={"key": "phq9"}).replace("phq9", "bdi")).status_code == 404


@pytest.mark.django_db
def test_questionnaire_save_then_submit(as_client, client_user):
    url = reverse("intake_questionnaire")
    response = as_client.post(url, {"concerns": "Stress at work", "save": "1"})
    assert response.status_code == 302
    intake = IntakeResponse.objects.get(client=client_user)
    assert (intake.status, intake.answers["concerns"]) == ("in_progress", "Stress at work")
    page = as_client.get(url)
    assert "Stress at work" in page.content.decode()
    incomplete = as_client.post(url, {"concerns": "Stress at work", "submit": "1"})
    assert incomplete.status_code == 400
    assert IntakeResponse.objects.get(client=client_user).status == "in_progress"
    full = {
        "concerns": "Stress at work",
        "concern_duration": "1_6_months",
        "previous_therapy": "never",
        "medication": "no",
        "hospitalisation": "never",
        "experiences": ["none"],
        "alcohol": "never",
        "drugs": "never",
        "goals": "Calmer days",
        "submit": "1",
    }
    assert as_client.post(url, full).status_code == 302
    assert IntakeResponse.objects.get(client=client_user).status == "completed"
    assert "Calmer days" in as_client.get(url).content.decode()


@pytest.mark.django_db
def test_consent_page_signs_current_version(as_client, client_user):
    url = reverse("intake_consent")
    page = as_client.get(url).content.decode()
    assert "If the connection fails" in page
    assert as_client.post(url, {"typed_name": "Casey Jones"}).status_code == 400  # box not ticked
    assert as_client.post(url, {"typed_name": "Casey Jones", "agree": "on"}).status_code == 302
    assert services.has_current_telehealth_consent(client_user)
    assert "You signed this version" in as_client.get(url).content.decode()


@pytest.mark.django_db
def test_emergency_plan_page_saves(as_client, client_user):
    data = {
        "session_address": "1 Main St",
        "location_phone": "555 0100",
        "alternate_phone": "555 0101",
        "support_person_name": "Jordan",
        "support_person_phone": "555 0102",
        "support_person_consent": "on",
        "emergency_number": "911",
    }
    assert as_client.post(reverse("intake_emergency_plan"), data).status_code == 302
    assert services.emergency_plan_complete(client_user)
    bad = as_client.post(reverse("intake_emergency_plan"), {**data, "location_phone": "not a phone"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_measure_partial_submit_keeps_answers_unscored(as_client, client_user):
    response = as_client.post(reverse("intake_measure", kwargs={"key": "phq9"}), {"q1": "2", "q2": "1", "submit": "1"})
    assert response.status_code == 400
    assert "Please answer every question" in response.content.decode()
    stored = MeasureResponse.objects.get(client=client_user)
    assert (stored.status, stored.result, stored.answers) == ("in_progress", None, {"q1": 2, "q2": 1})


@pytest.mark.django_db
def test_measure_complete_redirects_to_progress(as_client, client_user):
    data = {**dict.fromkeys(PHQ9_ITEMS, "1"), "q9": "0", "difficulty": "1", "submit": "1"}
    response = as_client.post(reverse("intake_measure", kwargs={"key": "phq9"}), data)
    assert response["Location"] == reverse("intake_progress")
    assert MeasureResponse.objects.get(client=client_user).result["total"] == 8


@pytest.mark.django_db
def test_item9_leads_to_cssrs_with_crisis_resources_then_help_page(care, as_client, client_user):
    data = {**dict.fromkeys(PHQ9_ITEMS, "0"), "q9": "1", "submit": "1"}
    response = as_client.post(reverse("intake_measure", kwargs={"key": "phq9"}), data)
    assert response["Location"] == reverse("intake_measure", kwargs={"key": "cssrs"})
    assert SafetyEvent.objects.filter(client=client_user, source="phq9_item9").count() == 1
    # The screener comes first: another measure redirects back to it.
    gad7 = as_client.get(reverse("intake_measure", kwargs={"key": "gad7"}))
    assert gad7["Location"] == reverse("intake_measure", kwargs={"key": "cssrs"})
    page = as_client.get(reverse("intake_measure", kwargs={"key": "cssrs"})).content.decode()
    assert "988" in page and 'data-ask-if="q2=1"' in page
    done = as_client.post(
        reverse("intake_measure", kwargs={"key": "cssrs"}), {"q1": "1", "q2": "0", "q6": "0", "submit": "1"}
    )
    assert done["Location"] == reverse("safety_help_now")


@pytest.mark.django_db
def test_progress_chart_marks_reliable_change(as_client, client_user):
    completed_phq9(client_user, [3, 3, 2, 2, 2, 2, 2, 2, 0])  # 18
    completed_phq9(client_user, [1, 1, 1, 1, 1, 1, 1, 1, 0])  # 8
    page = as_client.get(reverse("intake_progress")).content.decode()
    assert "<svg" in page and 'class="reliable-change"' in page
    assert "reliable change (improved)" in page
    assert "Moderately severe" in page and "<polyline" in page


THERAPIST_PAGES = ["client_intake", "client_progress"]


@pytest.mark.parametrize("name", THERAPIST_PAGES)
@pytest.mark.django_db
def test_therapist_pages_for_own_client(care, as_therapist, client_user, name):
    assert as_therapist.get(reverse(name, kwargs={"client_id": client_user.pk})).status_code == 200


@pytest.mark.parametrize("name", THERAPIST_PAGES)
@pytest.mark.django_db
def test_therapist_pages_refuse_others(
    care, as_other_therapist, as_staff, as_other_client, client_user, therapist, name
):
    url = reverse(name, kwargs={"client_id": client_user.pk})
    for http in (as_other_therapist, as_staff, as_other_client):
        assert http.get(url).status_code == 404
    assert as_other_therapist.get(reverse(name, kwargs={"client_id": therapist.pk})).status_code == 404


@pytest.mark.django_db
def test_client_intake_shows_triage_reasons_and_legal_name(care, as_therapist, client_user):
    ctx = ctx_for(client_user)
    services.save_intake(ctx, client_user, {
        "concerns": "Hearing voices lately", "concern_duration": "1_6_months", "previous_therapy": "never",
        "medication": "no", "hospitalisation": "never", "experiences": ["voices"], "alcohol": "never",
        "drugs": "never", "goals": "Understand what is happening",
    })  # fmt: skip
    services.submit_intake(ctx, client_user)
    page = as_therapist.get(reverse("client_intake", kwargs={"client_id": client_user.pk})).content.decode()
    assert "Recommend in-person or a higher level of care" in page
    assert "Possible psychotic experiences" in page
    assert "Hearing voices lately" in page


@pytest.mark.django_db
def test_staff_with_break_glass_can_read_the_intake(care, staff, as_staff, client_user):
    from confide.accounts.policies import can_open_emergency_access
    from confide.privacy.services import open_emergency_access

    open_emergency_access(
        ctx_for(staff),
        client_user,
        reason="Client unreachable after a high-risk alert",
        minutes=30,
        policy=can_open_emergency_access,
    )
    assert as_staff.get(reverse("client_intake", kwargs={"client_id": client_user.pk})).status_code == 200


@pytest.mark.django_db
def test_measure_schedule_post_by_therapist_only(care, as_therapist, as_other_therapist, as_client, client_user):
    url = reverse("client_measure_schedule", kwargs={"client_id": client_user.pk})
    data = {"mode": "before_each_session", "interval_weeks": "2"}
    assert as_other_therapist.post(url, data).status_code == 404
    assert as_client.post(url, data).status_code == 404
    assert as_therapist.post(url, data).status_code == 302
    assert client_user.measure_schedule.mode == "before_each_session"
    assert as_therapist.get(url).status_code == 405


@pytest.mark.django_db
def test_measure_schedule_refuses_a_stranger_before_reading_the_form(care, as_other_therapist, client_user):
    """A bad form from someone without access is the same 404 as a good one: no hint the client exists."""
    from confide.privacy.models import AuditEvent

    url = reverse("client_measure_schedule", kwargs={"client_id": client_user.pk})
    assert as_other_therapist.post(url, {"mode": "nonsense", "interval_weeks": "99"}).status_code == 404
    assert AuditEvent.objects.filter(action="measure_schedule.set", outcome="denied").count() == 1


@pytest.mark.django_db
def test_fhir_export_view_permissions(
    care, as_client, as_therapist, as_other_therapist, as_other_client, as_staff, client_user
):
    response = completed_phq9(client_user, [1] * 9)
    url = reverse("intake_measure_fhir", kwargs={"response_id": response.pk})
    for http in (as_client, as_therapist):
        got = http.get(url)
        assert got.status_code == 200 and got["Content-Type"] == "application/fhir+json"
    for http in (as_other_therapist, as_other_client, as_staff):
        assert http.get(url).status_code == 404


@pytest.mark.django_db
def test_fhir_export_of_unfinished_measure_is_404(as_client, client_user):
    response = services.start_measure(ctx_for(client_user), client_user, "gad7")
    assert as_client.get(reverse("intake_measure_fhir", kwargs={"response_id": response.pk})).status_code == 404


@pytest.mark.django_db
def test_nav_and_dashboard_snippets(as_client, as_therapist, care, client_user):
    client_page = as_client.get(reverse("dashboard")).content.decode()
    assert reverse("intake_home") in client_page
    therapist_page = as_therapist.get(reverse("dashboard")).content.decode()
    assert reverse("client_intake", kwargs={"client_id": client_user.pk}) in therapist_page
    assert reverse("safety_alerts") in therapist_page
