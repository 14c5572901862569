"""Safety pages: "Get help now" with crisis resources, alerts and safety events, on-call shifts."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.accounts.models import Role
from confide.accounts.services import name_for_viewer, names_for_viewer
from confide.core.forms import apply_validation_error
from confide.privacy.access import authorize
from confide.privacy.audit import context_from_request, record_event
from confide.safety import escalation, policies
from confide.safety.forms import CloseEventForm, CountryForm
from confide.safety.models import Alert, OnCallShift, SafetyEvent

RECENT = timedelta(hours=2)


@require_http_methods(["GET", "POST"])
def help_now(request: HttpRequest) -> HttpResponse:
    """Crisis resources for the client's country (or a chooser), and the "I need help now" button."""
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        if user is None:
            return redirect("account_login")
        event = escalation.request_help_now(context_from_request(request), user)
        told = escalation.who_was_told(event)
        follow = "Please also use the numbers below." if told.anyone else "Please use the numbers below now."
        messages.warning(request, f"{told.sentence} {follow}")
        return redirect("safety_help_now")
    form = CountryForm(request.GET or None)
    chosen = form.cleaned_data["country"] if form.is_valid() else ""
    is_client = user is not None and user.role == Role.CLIENT
    if chosen:
        from confide.safety.resources import crisis_resources_for

        resources = crisis_resources_for(chosen)
    elif is_client:
        resources = escalation.crisis_resources_for_client(user)
    else:
        resources = None
    context = {"resources": resources, "form": form, "is_client": is_client, "told": None, "would_tell": None}
    if is_client:
        # Tell the client who was actually alerted — never a therapist they do not have.
        recent = escalation.latest_open_escalation(user, since=timezone.now() - RECENT)
        context["told"] = escalation.who_was_told(recent) if recent else None
        context["would_tell"] = escalation.who_would_be_told(user)
    return render(request, "safety/help_now.html", context)


def _clinician_only(request: HttpRequest) -> None:
    if request.user.role not in (Role.THERAPIST, Role.STAFF):
        raise PermissionDenied("This page is for clinicians and staff.")


@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    """The person's alerts and the open safety events they may act on."""
    _clinician_only(request)
    ctx = context_from_request(request)
    events = list(escalation.events_visible_to(request.user)[:100])
    record_event(ctx, "safety_event.list", object_type="safety_event")
    names = names_for_viewer(request.user, [event.client for event in events])
    rows = [(event, names[event.client_id]) for event in events]
    my_alerts = escalation.alerts_for(request.user)  # one line per event, even after it rose
    context = {"rows": rows, "alerts": my_alerts, "on_call": policies.is_on_call(request.user)}
    return render(request, "safety/alerts.html", context)


@login_required
@require_GET
def alert_badge(request: HttpRequest) -> HttpResponse:
    """HTMX partial polled by the nav: the number of unread alerts (no PHI)."""
    _clinician_only(request)
    return render(request, "safety/_badge.html", {"unread": escalation.unread_alert_count(request.user)})


@login_required
@require_GET
def event_detail(request: HttpRequest, event_id) -> HttpResponse:
    _clinician_only(request)
    event = get_object_or_404(SafetyEvent.objects.select_related("client", "closed_by"), pk=event_id)
    ctx = context_from_request(request)
    authorize(ctx, policies.can_see_safety_event, event, action="safety_event.view", subject=event.client)
    details = policies.can_read_safety_details(request.user, event)
    if details:
        record_event(
            ctx, "safety_event.read_details", object_type="safety_event", object_id=event.pk, subject=event.client
        )
    Alert.objects.filter(event=event, recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "safety/event.html", _event_context(request, event, details, CloseEventForm()))


def _event_context(request: HttpRequest, event: SafetyEvent, details: bool, form: CloseEventForm) -> dict:
    return {
        "event": event,
        "details": details,
        "shown_name": name_for_viewer(request.user, event.client),
        "can_close": event.is_open and policies.can_close_safety_event(request.user, event),
        "has_therapist": policies.treating_therapists(event.client).exists(),
        "form": form,
    }


@login_required
@require_POST
def event_close(request: HttpRequest, event_id) -> HttpResponse:
    _clinician_only(request)
    event = get_object_or_404(SafetyEvent.objects.select_related("client"), pk=event_id)
    form = CloseEventForm(request.POST)
    if form.is_valid():
        try:
            escalation.close_safety_event(context_from_request(request), event, form.cleaned_data["note"])
            messages.success(request, "Safety event closed with your note.")
            return redirect("safety_alerts")
        except ValidationError as exc:
            apply_validation_error(form, exc)
    details = policies.can_read_safety_details(request.user, event)
    return render(request, "safety/event.html", _event_context(request, event, details, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def on_call(request: HttpRequest) -> HttpResponse:
    """Staff start and end their on-call shift; everyone on call is listed."""
    if request.user.role != Role.STAFF:
        raise PermissionDenied("This page is for staff.")
    ctx = context_from_request(request)
    if request.method == "POST":
        if request.POST.get("action") == "end":
            escalation.end_on_call(ctx)
            messages.success(request, "You are off call.")
        else:
            escalation.start_on_call(ctx)
            messages.success(request, "You are on call for safety alerts.")
        return redirect("safety_on_call")
    shifts = OnCallShift.objects.current().select_related("staff")
    mine = shifts.filter(staff=request.user).exists()
    return render(request, "safety/on_call.html", {"shifts": shifts, "mine": mine})
