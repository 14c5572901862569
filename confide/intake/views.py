"""Intake pages: the client's intake, consent, emergency plan, measures, progress; the therapist's views.

Thin callers of ``intake.services``: every read and write is authorised and
audited there. Therapist pages live under ``/clients/<uuid>/``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.accounts.models import Role, User
from confide.accounts.services import name_for_viewer
from confide.core.forms import apply_validation_error
from confide.intake import services
from confide.intake.charts import progress_chart
from confide.intake.definitions import instrument, intake_questionnaire
from confide.intake.forms import ConsentForm, EmergencyPlanForm, IntakeForm, MeasureForm, MeasureScheduleForm
from confide.intake.measures import latest_facts, schedule_for
from confide.intake.models import MeasureResponse, ResponseStatus
from confide.intake.plan import PLAN_FIELDS, plan_is_complete
from confide.intake.policies import can_set_measure_schedule
from confide.intake.questionnaires import intake_summary, latest_intake, missing_required
from confide.intake.scoring import change_since_baseline
from confide.privacy.access import authorize
from confide.privacy.audit import context_from_request

MEASURE_KEYS = ("phq9", "gad7", "cssrs")


def _client_only(request: HttpRequest) -> None:
    if request.user.role != Role.CLIENT:
        raise PermissionDenied("This page is for clients.")


def _client_or_404(client_id) -> User:
    client = User.objects.filter(pk=client_id, role=Role.CLIENT).first()
    if client is None:
        raise Http404("Not found")
    return client


# --- client pages --------------------------------------------------------------


@login_required
@require_GET
def intake_home(request: HttpRequest) -> HttpResponse:
    """The client's checklist: consent, emergency plan, questionnaire, check-ins."""
    _client_only(request)
    client = request.user
    intake = latest_intake(client)
    context = {
        "consent_ok": services.has_current_telehealth_consent(client),
        "plan_ok": services.emergency_plan_complete(client),
        "intake": intake,
        "due": services.measures_due(client),
        "follow_up": services.pending_follow_up(client),
    }
    return render(request, "intake/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake_questionnaire_view(request: HttpRequest) -> HttpResponse:
    """Save and resume: "Save and continue later" keeps partial answers; "Submit" checks required ones."""
    _client_only(request)
    ctx, client = context_from_request(request), request.user
    intake = services.read_intake(ctx, client)
    if intake is not None and intake.status == ResponseStatus.COMPLETED:
        return render(request, "intake/questionnaire_done.html", {"summary": intake_summary(intake)})
    definition = intake_questionnaire(intake.questionnaire if intake else "intake-v1")
    if request.method == "POST":
        form = IntakeForm(definition, request.POST)
        if form.is_valid() and _save_intake(request, form):
            return redirect("intake_home")
        status = 400
    else:
        form = IntakeForm(definition, initial=intake.answers if intake else {})
        status = 200
    return render(request, "intake/questionnaire.html", {"form": form, "definition": definition}, status=status)


def _save_intake(request: HttpRequest, form: IntakeForm) -> bool:
    ctx = context_from_request(request)
    try:
        services.save_intake(ctx, request.user, form.cleaned_data)
        if "submit" in request.POST:
            services.submit_intake(ctx, request.user)
            messages.success(request, "Thank you — your intake is with your therapist.")
        else:
            messages.success(request, "Saved. You can come back and finish any time.")
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def consent_view(request: HttpRequest) -> HttpResponse:
    _client_only(request)
    document = services.current_consent_document()
    if document is None:
        raise Http404("No consent document is published yet.")
    signature = services.current_signature(request.user)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_consent(
                context_from_request(request),
                request.user,
                document=document,
                typed_name=form.cleaned_data["typed_name"],
            )
            messages.success(request, "Thank you — your consent is recorded.")
            return redirect("intake_home")
        except ValidationError as exc:
            apply_validation_error(form, exc)
    paragraphs = _paragraphs(document.body)
    status = 400 if request.method == "POST" else 200
    context = {"document": document, "paragraphs": paragraphs, "signature": signature, "form": form}
    return render(request, "intake/consent.html", context, status=status)


def _paragraphs(body: str) -> list[tuple[str, str]]:
    """('h', text) for '## ' headings, ('p', text) for paragraphs."""
    blocks = [b.strip() for b in body.split("\n\n") if b.strip()]
    out = []
    for block in blocks:
        for line in block.split("\n"):
            if line.startswith("## "):
                out.append(("h", line[3:].strip()))
            elif line.strip():
                out.append(("p", line.strip()))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def emergency_plan_view(request: HttpRequest) -> HttpResponse:
    _client_only(request)
    ctx, client = context_from_request(request), request.user
    if request.method == "POST":
        form = EmergencyPlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.save_emergency_plan(ctx, client, **form.cleaned_data)
                if plan_is_complete(plan):
                    messages.success(request, "Your emergency plan is saved and complete.")
                else:
                    messages.info(request, "Saved. Fill in every part (and tick the consent box) to complete it.")
                return redirect("intake_emergency_plan")
            except ValidationError as exc:
                apply_validation_error(form, exc)
        return render(request, "intake/emergency_plan.html", {"form": form, "complete": False}, status=400)
    plan = services.read_emergency_plan(ctx, client)
    initial = {name: getattr(plan, name) for name in PLAN_FIELDS} if plan else {}
    initial["support_person_consent"] = initial.get("support_person_consent") == "yes"
    form = EmergencyPlanForm(initial=initial)
    return render(
        request, "intake/emergency_plan.html", {"form": form, "complete": bool(plan and plan_is_complete(plan))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_view(request: HttpRequest, key: str) -> HttpResponse:
    """One phone-friendly screen per measure; unfinished answers are kept, never scored."""
    _client_only(request)
    if key not in MEASURE_KEYS:
        raise Http404("Not found")
    ctx, client = context_from_request(request), request.user
    follow_up = services.pending_follow_up(client)
    if follow_up is not None and key != "cssrs":
        return redirect("intake_measure", key="cssrs")  # the screener comes first once item 9 was answered
    response = services.start_measure(ctx, client, key, follows=None)
    definition = instrument(key)
    if request.method == "POST":
        form = MeasureForm(definition, request.POST)
        if form.is_valid():
            done = _save_measure(request, form, response)
            if done is not None:
                return done
        status = 400
    else:
        form = MeasureForm(definition, initial={k: str(v) for k, v in (response.answers or {}).items()})
        status = 200
    context = {"form": form, "definition": definition, "response": response, "key": key}
    if key == "cssrs":
        from confide.safety.escalation import crisis_resources_for_client

        context["crisis"] = crisis_resources_for_client(client)
    return render(request, "intake/measure.html", context, status=status)


def _save_measure(request: HttpRequest, form: MeasureForm, response: MeasureResponse) -> HttpResponse | None:
    ctx = context_from_request(request)
    services.save_measure_answers(ctx, response, form.answers())
    if "submit" not in request.POST:
        messages.success(request, "Saved. You can finish later.")
        return redirect("intake_home")
    try:
        outcome = services.complete_measure(ctx, response)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        form.add_error(None, "Please answer every question before submitting — or save and finish later.")
        return None
    if outcome.follow_up is not None:
        return redirect("intake_measure", key="cssrs")
    if outcome.safety_event is not None and outcome.safety_event.is_full_escalation:
        return redirect("safety_help_now")
    messages.success(request, "Thank you — your answers are saved.")
    return redirect("intake_progress")


@login_required
@require_GET
def my_progress(request: HttpRequest) -> HttpResponse:
    _client_only(request)
    return render(request, "intake/progress.html", _progress_context(request, request.user))


def _progress_context(request: HttpRequest, client: User) -> dict:
    ctx = context_from_request(request)
    panels = []
    for key in ("phq9", "gad7"):
        responses = services.completed_measures(ctx, client, key)
        definition = instrument(key)
        series = [(r.completed_at, r.result["total"]) for r in responses]
        chart = progress_chart(definition, series) if series else None
        panels.append(
            {
                "key": key,
                "definition": definition,
                "responses": responses,
                "chart": chart,
                "rows": list(zip(chart.points, responses, strict=True)) if chart else [],
                "latest": responses[-1] if responses else None,
                "change": change_since_baseline(key, [t for _, t in series]),
            }
        )
    return {"client": client, "panels": panels, "shown_name": name_for_viewer(request.user, client)}


# --- therapist pages -----------------------------------------------------------


@login_required
@require_GET
def client_intake(request: HttpRequest, client_id) -> HttpResponse:
    """The therapist's readable intake summary, consent and plan status, and triage with reasons."""
    client = _client_or_404(client_id)
    ctx = context_from_request(request)
    intake = services.read_intake(ctx, client)
    plan = services.read_emergency_plan(ctx, client)
    context = {
        "client": client,
        "shown_name": name_for_viewer(request.user, client),
        "intake": intake,
        "summary": intake_summary(intake) if intake else [],
        "missing": missing_required(intake) if intake else [],
        "plan": plan,
        "plan_complete": bool(plan and plan_is_complete(plan)),
        "consent_ok": services.has_current_telehealth_consent(client),
        "signature": services.current_signature(client),
        "triage": services.triage_for(ctx, client),
        "facts": latest_facts(client),
        "schedule": schedule_for(client),
        "schedule_form": _schedule_form(client),
        "is_therapist": request.user.role == Role.THERAPIST,
    }
    return render(request, "intake/client_intake.html", context)


def _schedule_form(client: User) -> MeasureScheduleForm:
    schedule = schedule_for(client)
    return MeasureScheduleForm(initial={"mode": schedule.mode, "interval_weeks": schedule.interval_weeks})


@login_required
@require_POST
def client_measure_schedule(request: HttpRequest, client_id) -> HttpResponse:
    client = _client_or_404(client_id)
    if not can_set_measure_schedule(request.user, client):
        # Refuse (404, audited) before reading the form: a bad form must not tell a stranger the client exists.
        authorize(
            context_from_request(request),
            can_set_measure_schedule,
            client,
            action="measure_schedule.set",
            subject=client,
        )
    form = MeasureScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose when the questionnaires repeat (1–12 weeks).")
        return redirect("client_intake", client_id=client.pk)
    services.set_measure_schedule(context_from_request(request), client, **form.cleaned_data)
    messages.success(request, "Measure schedule saved.")
    return redirect("client_intake", client_id=client.pk)


@login_required
@require_GET
def client_progress(request: HttpRequest, client_id) -> HttpResponse:
    client = _client_or_404(client_id)
    return render(request, "intake/progress.html", _progress_context(request, client))


@login_required
@require_GET
def measure_fhir(request: HttpRequest, response_id) -> HttpResponse:
    """A completed measure as a FHIR R4(B) Bundle (QuestionnaireResponse + Observation)."""
    from confide.intake.fhir_export import measure_bundle
    from confide.intake.policies import can_view_intake
    from confide.privacy.access import authorize

    response = get_object_or_404(MeasureResponse.objects.select_related("client"), pk=response_id)
    ctx = context_from_request(request)
    authorize(ctx, can_view_intake, response.client, action="measure.export_fhir", subject=response.client)
    if not response.is_complete:
        raise Http404("Not found")
    body = json.dumps(measure_bundle(response), indent=2)
    http = HttpResponse(body, content_type="application/fhir+json")
    http["Content-Disposition"] = f'attachment; filename="{response.instrument}-{response.pk}.fhir.json"'
    return http
