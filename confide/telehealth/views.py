"""The visit page (waiting room + call), and the therapist's start, end and backup-phone actions (HTMX)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from confide.accounts.models import Role
from confide.accounts.services import name_for_viewer
from confide.core.times import format_local, zone_of
from confide.privacy.audit import context_from_request
from confide.scheduling.models import Appointment
from confide.telehealth import ice, policies
from confide.telehealth.forms import StartVisitForm
from confide.telehealth.models import Visit
from confide.telehealth.services import lifecycle, live, readiness, record, tokens


def _visit(request: HttpRequest, appointment_id) -> Visit:
    """The appointment's visit for one of its two participants; 404 for anyone else (audited)."""
    appointment = Appointment.objects.select_related("client", "therapist").filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404("Not found")
    return lifecycle.open_visit(context_from_request(request), appointment)


@login_required
@require_GET
def visit_room(request: HttpRequest, appointment_id) -> HttpResponse:
    """Waiting room, pre-call check and the call itself, in one page (so media failure falls back to chat here)."""
    visit = _visit(request, appointment_id)
    if visit.state == Visit.State.ENDED:
        return _ended_visit(request, visit)
    appointment, user = visit.appointment, request.user
    problem = policies.join_problem(user, appointment)
    ready = readiness.readiness_of(appointment.client)
    if not problem and user.role == Role.CLIENT and not ready.consent:
        problem = "Please sign the telehealth consent before your first online session."
    if problem:
        context = {"appointment": appointment, "problem": problem, "needs_consent": not ready.consent}
        return render(request, "telehealth/closed.html", context, status=403)
    ctx = context_from_request(request)
    try:
        token = tokens.mint_join_token(ctx, visit)
    except ValidationError as exc:
        context = {"appointment": appointment, "problem": " ".join(exc.messages)}
        return render(request, "telehealth/closed.html", context, status=429)
    is_therapist = user.pk == appointment.therapist_id
    context = {
        "visit": visit,
        "appointment": appointment,
        "is_therapist": is_therapist,
        "other_name": name_for_viewer(user, appointment.client) if is_therapist else appointment.therapist.display_name,
        "token": token,
        "ice_servers": ice.ice_servers_for(user),
        "chat": live.chat_history(ctx, visit),
        "fallback_text": readiness.connection_fails_text(),
        "ready": ready,
    }
    if is_therapist:
        context["form"] = StartVisitForm(initial={"jurisdiction": _usual_jurisdiction(appointment.client)})
        context["emergency"] = readiness.emergency_details(ctx, visit)
        context["emergency_checked"] = True
    else:
        from confide.safety.escalation import crisis_resources_for_client

        context["crisis"] = crisis_resources_for_client(user)
    return render(request, "telehealth/room.html", context)


def _ended_visit(request: HttpRequest, visit: Visit) -> HttpResponse:
    """After the end, the same address shows when the visit actually ran and how it was connected (audited)."""
    visit_record = record.visit_record(context_from_request(request), visit)
    appointment, user = visit.appointment, request.user
    zone = zone_of(user)
    is_therapist = user.pk == appointment.therapist_id
    context = {
        "appointment": appointment,
        "record": visit_record,
        "zone": zone,
        "started": format_local(visit_record.started_at, zone),
        "ended": format_local(visit_record.ended_at, zone),
        "booked": format_local(appointment.start_at, zone),
        "other_name": name_for_viewer(user, appointment.client) if is_therapist else appointment.therapist.display_name,
    }
    return render(request, "telehealth/record.html", context)


def _usual_jurisdiction(client) -> str:
    from confide.accounts.services import client_profile_for

    return client_profile_for(client).jurisdiction or ""


@login_required
@require_POST
def visit_start(request: HttpRequest, appointment_id) -> HttpResponse:
    """Therapist confirms location and emergency contact (HTMX swaps the start panel)."""
    visit = _visit(request, appointment_id)
    form = StartVisitForm(request.POST)
    warning, status = "", 200
    if form.is_valid():
        try:
            result = lifecycle.start_visit(
                context_from_request(request),
                visit,
                jurisdiction=form.cleaned_data["jurisdiction"],
                emergency_contact_confirmed=form.cleaned_data["emergency_contact_confirmed"],
            )
            visit, warning = result.visit, result.warning
        except ValidationError as exc:
            _add_errors(form, exc)
            status = 422
    else:
        status = 422
    context = {"visit": visit, "appointment": visit.appointment, "form": form, "warning": warning}
    # HTMX does not swap 4xx responses by default: the form with its errors comes back as 200 to HTMX.
    return render(request, "telehealth/_start.html", context, status=200 if request.htmx else status)


def _add_errors(form: StartVisitForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_POST
def visit_end(request: HttpRequest, appointment_id) -> HttpResponse:
    """Therapist ends the visit; the appointment records actual times and becomes completed."""
    visit = _visit(request, appointment_id)
    try:
        lifecycle.end_visit(context_from_request(request), visit)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if request.htmx:
            return render(request, "telehealth/_end_problem.html", {"message": message})
        return render(
            request, "telehealth/closed.html", {"appointment": visit.appointment, "problem": message}, status=409
        )
    target = reverse("appointment_detail", args=[visit.appointment_id])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@login_required
@require_GET
def visit_backup_phone(request: HttpRequest, appointment_id) -> HttpResponse:
    """The client's phone numbers from their emergency plan, for a call that cannot be restored (audited)."""
    visit = _visit(request, appointment_id)
    details = readiness.emergency_details(context_from_request(request), visit)
    context = {"emergency": details, "fallback_text": readiness.connection_fails_text()}
    return render(request, "telehealth/_backup_phone.html", context)
