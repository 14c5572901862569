"""Scheduling pages: the client's booking flow and appointments, the therapist's week and set-up.

Thin callers of ``services``: they parse input, show a service's error where
the person can act on it, and never decide a rule themselves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.accounts.models import CareRelationship, Role, User
from confide.core.forms import apply_validation_error
from confide.privacy.access import authorize
from confide.privacy.audit import context_from_request
from confide.scheduling import ics, offers, policies, rules, slots
from confide.scheduling.availability import (
    available_slots,
    display_zone,
    format_local,
    group_by_day,
    policy_for,
    zone_of,
)
from confide.scheduling.bounds import check_day, check_instant
from confide.scheduling.forms import CancelForm, ExceptionForm, HoursForm, NoteForm, PolicyForm, TypesForm
from confide.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentType,
    AvailabilityException,
    Modality,
    Status,
    WaitlistEntry,
    WeeklyHours,
)
from confide.scheduling.services import booking, feeds, setup, waitlist
from confide.scheduling.week import build_week, monday_of

WINDOW_DAYS = 7


def _require_role(request: HttpRequest, role: str) -> None:
    if request.user.role != role:
        raise PermissionDenied("This page is not available for your account type.")


def _problem(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "scheduling/problem.html", {"message": message}, status=status)


def _therapist_or_404(therapist_id) -> User:
    therapist = User.objects.filter(pk=therapist_id, role=Role.THERAPIST, is_active=True).first()
    if therapist is None:
        raise Http404("Not found")
    return therapist


def _parse_instant(value: str | None) -> datetime:
    """An ISO 8601 instant with an offset, or ValidationError with a sentence."""
    try:
        parsed = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("That time is not valid; please choose a time from the list.") from None
    if parsed.tzinfo is None:
        raise ValidationError("That time has no time zone; please choose a time from the list.")
    return check_instant(parsed)


def _parse_day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return check_day(date.fromisoformat(value))
    except ValueError:
        raise ValidationError("That date is not valid (use YYYY-MM-DD).") from None


# --- client: choose, book, confirm ---------------------------------------------------------------


@login_required
@require_GET
def choose_therapist(request: HttpRequest) -> HttpResponse:
    """Therapists the client works with, and others who are licensed where the client is."""
    _require_role(request, Role.CLIENT)
    mine = User.objects.filter(
        care_as_therapist__client=request.user, care_as_therapist__status=CareRelationship.Status.ACTIVE
    ).distinct()
    offering = User.objects.filter(role=Role.THERAPIST, is_active=True, appointment_types__active=True).distinct()
    others = [t for t in offering.exclude(pk__in=mine)[:50] if not rules.licence_problem(t, request.user)]
    return render(request, "scheduling/choose_therapist.html", {"mine": mine, "others": others})


def _booking_types(request, therapist, client):
    """Types the client may book now (intake first) and the chosen one."""
    first = rules.is_first_with(client, therapist)
    types = [
        t
        for t in AppointmentType.objects.filter(therapist=therapist, active=True)
        if (t.kind == AppointmentKind.INTAKE) == first
    ]
    chosen = next((t for t in types if str(t.pk) == request.GET.get("type")), types[0] if types else None)
    return types, chosen


def _blockers(days: list[offers.DateVerdict], modality, types, client) -> list[tuple[str, str]]:
    """(message, link) pairs that stop this client booking with this therapist at any of the shown times."""
    found = []
    if all(day.licence for day in days):
        found.append((days[0].licence, reverse("profile")))
    if not types:
        found.append(("This therapist has no appointment types open for booking yet.", ""))
    if modality is None:
        found.append(("None of this therapist's ways of meeting is available to you.", ""))
    elif rules.needs_consent(modality) and not rules.consent_satisfied(client):
        found.append((rules.CONSENT_MESSAGE, rules.consent_url()))
    return found


def _offer(request, therapist, client, types, found, earliest: datetime) -> dict:
    """The ways of meeting, the chosen one, what blocks booking, and the slots booking would accept for it.

    With no slot in the week, the week's first moment (``earliest``) is judged instead.
    """
    days = offers.judge_times(therapist, client, [s.start for s in found] or [earliest])
    options = offers.offered_modalities(days)
    available = [o.modality for o in options if o.available]
    modality = request.GET.get("modality") if request.GET.get("modality") in available else None
    modality = modality or (available[0] if available else None)
    blockers = _blockers(days, modality, types, client)
    return {
        "options": options,
        "modality": modality,
        "blockers": blockers,
        "left_out": [] if blockers or not found else offers.reasons_left_out(days, modality),
        "days": group_by_day(offers.accepted(found, days, modality)),
    }


@login_required
@require_GET
def book_with_therapist(request: HttpRequest, therapist_id) -> HttpResponse:
    """Slots in the client's own zone, grouped by day, a week at a time; HTMX swaps just the slot list.

    Only times booking would accept for the chosen way of meeting are listed: each is judged on its
    own date at the client's location, as booking will judge it.
    """
    _require_role(request, Role.CLIENT)
    therapist = _therapist_or_404(therapist_id)
    client, zone, now = request.user, display_zone(request.user), timezone.now()
    types, chosen = _booking_types(request, therapist, client)
    today = now.astimezone(zone).date()
    try:
        first_day = max(_parse_day(request.GET.get("from"), today), today)
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages))
    window_start = slots.to_instant(first_day, datetime.min.time(), zone)
    window_end = slots.to_instant(first_day + timedelta(days=WINDOW_DAYS), datetime.min.time(), zone)
    found = available_slots(therapist, chosen, window_start, window_end, zone, viewer=client) if chosen else []
    context = {
        "therapist": therapist,
        "types": types,
        "chosen": chosen,
        **_offer(request, therapist, client, types, found, max(window_start, now)),
        "zone": zone.key,
        "first_day": first_day,
        "previous_day": first_day - timedelta(days=WINDOW_DAYS) if first_day > today else None,
        "next_day": first_day + timedelta(days=WINDOW_DAYS),
        "last_day": first_day + timedelta(days=WINDOW_DAYS - 1),
        "on_waitlist": WaitlistEntry.objects.filter(
            client=client, therapist=therapist, state__in=waitlist.OPEN_STATES
        ).exists(),
    }
    template = "scheduling/_slots.html" if request.htmx else "scheduling/book.html"
    return render(request, template, context)


def _confirm_context(request, therapist, data) -> dict:
    appointment_type = AppointmentType.objects.filter(therapist=therapist, pk=_uuid_or_none(data.get("type"))).first()
    if appointment_type is None:
        raise ValidationError("Choose an appointment type from the list.")
    start = _parse_instant(data.get("start"))
    modality = data.get("modality")
    if modality not in Modality.values:
        raise ValidationError("Choose a way to meet from the list.")
    zone = display_zone(request.user)
    terms = booking.booking_terms(policy_for(therapist), appointment_type, start)
    return {
        "therapist": therapist,
        "appointment_type": appointment_type,
        "start": start,
        "start_label": format_local(start, zone),
        "modality": modality,
        "modality_label": Modality(modality).label,
        "terms": terms.describe(zone),
        "policy": policy_for(therapist),
    }


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def book_confirm(request: HttpRequest, therapist_id) -> HttpResponse:
    """Show the time, the way of meeting and the cancellation terms; POST books."""
    _require_role(request, Role.CLIENT)
    therapist = _therapist_or_404(therapist_id)
    data = request.POST if request.method == "POST" else request.GET
    try:
        context = _confirm_context(request, therapist, data)
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages))
    if request.method == "GET":  # a remembered link may name a way of meeting the therapist no longer offers
        reason = rules.modality_problem(
            context["policy"], None, therapist, context["modality"], context["start"].date(), ""
        )
        if reason:
            messages.error(request, f"{context['modality_label']} is not available: {reason}")
            return redirect(
                f"{reverse('book_with_therapist', args=[therapist.pk])}?type={context['appointment_type'].pk}"
            )
    form = NoteForm(request.POST or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            appointment = booking.book_appointment(
                context_from_request(request),
                client=request.user,
                therapist=therapist,
                appointment_type=context["appointment_type"],
                start_at=context["start"],
                modality=context["modality"],
                note=form.cleaned_data["note"],
            )
        except booking.SlotTaken as exc:
            context["taken"] = exc.message
            return render(request, "scheduling/confirm.html", context, status=409)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return render(request, "scheduling/confirm.html", context, status=400)
        messages.success(request, f"Booked: {format_local(appointment.start_at, display_zone(request.user))}.")
        return redirect("appointment_detail", appointment_id=appointment.pk)
    return render(request, "scheduling/confirm.html", context, status=400 if form.errors else 200)


# --- appointments (both roles) -----------------------------------------------------------------------


@login_required
@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    """Upcoming and past appointments, in the viewer's own zone."""
    user = request.user
    if user.role == Role.STAFF:
        raise PermissionDenied("Staff do not have appointments.")
    mine = Appointment.objects.select_related("client", "therapist", "appointment_type")
    mine = mine.filter(therapist=user) if user.role == Role.THERAPIST else mine.filter(client=user)
    now = timezone.now()
    upcoming = list(mine.filter(end_at__gt=now, status__in=ACTIVE_STATUSES))
    past = list(mine.exclude(end_at__gt=now, status__in=ACTIVE_STATUSES).order_by("-start_at")[:50])
    offers = WaitlistEntry.objects.filter(
        client=user, state=WaitlistEntry.State.OFFERED, offer_expires_at__gt=now
    ).select_related("therapist")
    zone = display_zone(user)
    return render(
        request,
        "scheduling/appointments.html",
        {"upcoming": _labelled(upcoming, zone), "past": _labelled(past, zone), "zone": zone.key, "offers": offers},
    )


def _labelled(items, zone):
    for item in items:
        item.label = format_local(item.start_at, zone)
    return items


def _appointment(request, appointment_id, policy, action) -> Appointment:
    appointment = (
        Appointment.objects.select_related("client", "therapist", "appointment_type").filter(pk=appointment_id).first()
    )
    if appointment is None:
        raise Http404("Not found")
    return authorize(context_from_request(request), policy, appointment, action=action, subject=appointment.client)


@login_required
@require_GET
def appointment_detail(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = _appointment(request, appointment_id, policies.can_view_appointment, "appointment.view")
    zone = display_zone(request.user)
    now = timezone.now()
    note = booking.read_note(context_from_request(request), appointment) if appointment.note else ""
    is_therapist = request.user.pk == appointment.therapist_id
    return render(
        request,
        "scheduling/detail.html",
        {
            "appointment": appointment,
            "label": format_local(appointment.start_at, zone),
            "end_label": appointment.end_at.astimezone(zone).strftime("%H:%M"),
            "note": note,
            "is_therapist": is_therapist,
            "changeable": appointment.is_active and appointment.start_at > now,
            "started": appointment.start_at <= now,
            "office_address": policy_for(appointment.therapist).office_address
            if appointment.modality == Modality.IN_PERSON
            else "",
            "other_name": appointment.client.display_name if is_therapist else appointment.therapist.display_name,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, appointment_id) -> HttpResponse:
    """Shows the late-cancellation terms as they apply now, then cancels on POST."""
    appointment = _appointment(request, appointment_id, policies.can_change_appointment, "appointment.view")
    if not appointment.is_active:
        return _no_longer_changeable(request, appointment)
    zone = display_zone(request.user)
    form = CancelForm(request.POST or None)
    terms = booking.cancellation_terms(appointment, request.user)
    context = {
        "appointment": appointment,
        "label": format_local(appointment.start_at, zone),
        "terms": terms.describe(zone),
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        try:
            booking.cancel_appointment(context_from_request(request), appointment, reason=form.cleaned_data["reason"])
        except (ValidationError, booking.SlotTaken) as exc:
            apply_validation_error(form, exc if isinstance(exc, ValidationError) else ValidationError(exc.message))
            return render(request, "scheduling/cancel.html", context, status=400)
        messages.success(request, "The appointment is cancelled. You will both get an e-mail.")
        return redirect("appointments")
    return render(request, "scheduling/cancel.html", context, status=400 if form.errors else 200)


def _no_longer_changeable(request, appointment) -> HttpResponse:
    """A cancelled, completed or missed appointment has no terms or times to offer: say so, not an empty form."""
    status = Status(appointment.status).label.lower()
    return _problem(request, f"This appointment is {status}, so it can no longer be moved or cancelled.", status=409)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, appointment_id) -> HttpResponse:
    """Terms first, then the open slots of the same type (this appointment's own time counts as free)."""
    appointment = _appointment(request, appointment_id, policies.can_change_appointment, "appointment.view")
    if not appointment.is_active:
        return _no_longer_changeable(request, appointment)
    zone = display_zone(request.user)
    now = timezone.now()
    context = {
        "appointment": appointment,
        "label": format_local(appointment.start_at, zone),
        "terms": booking.cancellation_terms(appointment, request.user, now).describe(zone),
        "zone": zone.key,
    }
    if request.method == "POST":
        try:
            booking.reschedule_appointment(
                context_from_request(request), appointment, _parse_instant(request.POST.get("start"))
            )
        except booking.SlotTaken as exc:
            context["error"] = exc.message
            status = 409
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            status = 400
        else:
            messages.success(request, "The appointment has moved. You will both get an e-mail.")
            return redirect("appointment_detail", appointment_id=appointment.pk)
    else:
        status = 200
        if request.GET.get("start"):  # a time was chosen: confirm before moving (booking confirms too)
            try:
                chosen = _parse_instant(request.GET.get("start"))
            except ValidationError as exc:
                return _problem(request, " ".join(exc.messages))
            context.update(chosen=chosen, chosen_label=format_local(chosen, zone))
    if appointment.is_active and appointment.start_at > now:
        found = available_slots(
            appointment.therapist,
            appointment.appointment_type,
            now,
            now + timedelta(days=28),
            zone,
            viewer=appointment.client,
            ignore_appointment=appointment,
        )
        context.update(_reschedule_offer(appointment, [s for s in found if s.start != appointment.start_at]))
    return render(request, "scheduling/reschedule.html", context, status=status)


def _reschedule_offer(appointment, found) -> dict:
    """The open times rescheduling would accept for the appointment's own way of meeting, and why others are hidden.

    Each time is judged on its date where the client is, as on the booking page (``offers.judge_times``).
    """
    if not found:
        return {"days": [], "left_out": []}
    days = offers.judge_times(appointment.therapist, appointment.client, [s.start for s in found], ignore=appointment)
    return {
        "days": group_by_day(offers.accepted(found, days, appointment.modality)),
        "left_out": offers.reasons_left_out(days, appointment.modality),
    }


@login_required
@require_POST
def appointment_status(request: HttpRequest, appointment_id) -> HttpResponse:
    """Therapist: confirm a request, or mark a started appointment completed / no-show."""
    appointment = _appointment(request, appointment_id, policies.can_manage_appointment, "appointment.view")
    status = request.POST.get("status", "")
    if status not in (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW):
        return _problem(request, "Choose confirm, completed or no-show.")
    try:
        booking.set_status(context_from_request(request), appointment, status)
    except (ValidationError, booking.SlotTaken) as exc:
        return _problem(request, exc.message if isinstance(exc, booking.SlotTaken) else " ".join(exc.messages))
    messages.success(request, f"Marked {Status(status).label.lower()}.")
    return redirect("appointment_detail", appointment_id=appointment.pk)


@login_required
@require_GET
def appointment_ics(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = _appointment(request, appointment_id, policies.can_view_appointment, "appointment.view")
    response = HttpResponse(ics.calendar_bytes([appointment], method="PUBLISH"), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="confide-appointment.ics"'
    return response


# --- waitlist ------------------------------------------------------------------------------------------


@login_required
@require_POST
def waitlist_join(request: HttpRequest, therapist_id) -> HttpResponse:
    _require_role(request, Role.CLIENT)
    therapist = _therapist_or_404(therapist_id)
    appointment_type = AppointmentType.objects.filter(
        therapist=therapist, pk=_uuid_or_none(request.POST.get("type"))
    ).first()
    if appointment_type is None:
        return _problem(request, "Choose an appointment type from the list.")
    try:
        waitlist.join_waitlist(
            context_from_request(request),
            client=request.user,
            therapist=therapist,
            appointment_type=appointment_type,
            modality=request.POST.get("modality") or Modality.VIDEO,
        )
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages))
    messages.success(request, "You are on the waitlist. If an earlier time opens up, we will offer it to you first.")
    return redirect("book_with_therapist", therapist_id=therapist.pk)


@login_required
@require_http_methods(["GET", "POST"])
def waitlist_offer(request: HttpRequest, entry_id) -> HttpResponse:
    """A freed time held for this client: take it (books) or let it go (next person); or leave the waitlist."""
    entry = get_object_or_404(WaitlistEntry.objects.select_related("therapist", "appointment_type"), pk=entry_id)
    ctx = context_from_request(request)
    authorize(ctx, policies.can_use_waitlist_entry, entry, action="waitlist.view", subject=entry.client)
    live = entry.state == WaitlistEntry.State.OFFERED and entry.offer_expires_at > timezone.now()
    if request.method == "POST":
        return _act_on_offer(request, entry, live)
    zone = display_zone(request.user)
    context = {"entry": entry, "live": live, "zone": zone.key}
    if live:
        context["label"] = format_local(entry.offered_start_at, zone)
        context["until"] = format_local(entry.offer_expires_at, zone)
        context["terms"] = booking.booking_terms(
            policy_for(entry.therapist), entry.appointment_type, entry.offered_start_at
        ).describe(zone)
    return render(request, "scheduling/waitlist_offer.html", context)


def _act_on_offer(request, entry, live) -> HttpResponse:
    ctx = context_from_request(request)
    action = request.POST.get("action")
    try:
        if action == "take" and live:
            appointment = booking.book_appointment(
                ctx,
                client=request.user,
                therapist=entry.therapist,
                appointment_type=entry.appointment_type,
                start_at=entry.offered_start_at,
                modality=entry.modality,
            )
            messages.success(request, "Booked. You will get an e-mail.")
            return redirect("appointment_detail", appointment_id=appointment.pk)
        if action == "decline" and live:
            waitlist.decline_offer(ctx, entry)
            messages.success(request, "We will offer that time to the next person. You stay on the waitlist.")
        elif action == "leave":
            waitlist.leave_waitlist(ctx, entry)
            messages.success(request, "You have left the waitlist.")
        else:
            return _problem(request, "This offer has ended.")
    except booking.SlotTaken as exc:
        return _problem(request, exc.message, status=409)
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages))
    return redirect("appointments")


# --- calendar feed -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    """Create (shown once), replace or revoke the private calendar feed URL."""
    if request.user.role == Role.STAFF:
        raise PermissionDenied("Staff do not have appointments.")
    ctx = context_from_request(request)
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feeds.revoke_feeds(ctx, request.user)
            messages.success(request, "Your calendar feed address no longer works.")
            return redirect("calendar_feed_settings")
        issued = feeds.issue_feed(ctx, request.user)
        new_url = request.build_absolute_uri(reverse("calendar_feed", args=[issued.secret]))
    return render(request, "scheduling/calendar_feed.html", {"feed": feeds.live_feed(request.user), "new_url": new_url})


@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The private feed: no session, the secret is the key. Same no-PHI events as the e-mails."""
    user = feeds.user_for_feed(secret)
    if user is None:
        raise Http404("Not found")
    since = timezone.now() - timedelta(days=90)
    field = "therapist" if user.role == Role.THERAPIST else "client"
    items = Appointment.objects.filter(**{field: user}, start_at__gte=since).order_by("start_at")[:1000]
    response = HttpResponse(ics.calendar_bytes(items, name="Confide"), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- therapist: week, hours, time off, settings -------------------------------------------------------


@login_required
@require_GET
def schedule_week(request: HttpRequest) -> HttpResponse:
    """A week of open hours and appointments in the therapist's zone; a day list on phones."""
    _require_role(request, Role.THERAPIST)
    zone = zone_of(request.user)
    today = timezone.now().astimezone(zone).date()
    try:
        monday = monday_of(_parse_day(request.GET.get("week"), today))
    except ValidationError as exc:
        return _problem(request, " ".join(exc.messages))
    days = build_week(request.user, monday)
    for day in days:
        _labelled(day.appointments, zone)
    return render(
        request,
        "scheduling/week.html",
        {
            "days": days,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "zone": zone.key,
            "today": today,
            "requested": Appointment.objects.filter(therapist=request.user, status=Status.REQUESTED).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_hours(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.THERAPIST)
    rows = WeeklyHours.objects.filter(therapist=request.user)
    form = HoursForm(request.POST or None, initial=HoursForm.initial_from(rows))
    if request.method == "POST" and form.is_valid():
        try:
            setup.set_weekly_hours(context_from_request(request), request.user, form.blocks())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Your weekly hours are saved.")
            return redirect("schedule_week")
    status = 400 if form.errors else 200
    return render(request, "scheduling/hours.html", {"form": form, "zone": request.user.time_zone}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_time_off(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.THERAPIST)
    form = ExceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            setup.add_exception(
                context_from_request(request),
                request.user,
                kind=data["kind"],
                start_local=timezone.make_naive(data["start"]) if timezone.is_aware(data["start"]) else data["start"],
                end_local=timezone.make_naive(data["end"]) if timezone.is_aware(data["end"]) else data["end"],
                label=data["label"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("schedule_time_off")
    zone = zone_of(request.user)
    upcoming = AvailabilityException.objects.filter(therapist=request.user, ends_at__gt=timezone.now())
    for item in upcoming:
        item.start_label, item.end_label = format_local(item.starts_at, zone), format_local(item.ends_at, zone)
    status = 400 if form.errors else 200
    return render(
        request, "scheduling/time_off.html", {"form": form, "items": upcoming, "zone": zone.key}, status=status
    )


@login_required
@require_POST
def schedule_time_off_delete(request: HttpRequest, exception_id) -> HttpResponse:
    exception = get_object_or_404(AvailabilityException, pk=exception_id)
    setup.remove_exception(context_from_request(request), exception)
    messages.success(request, "Removed.")
    return redirect("schedule_time_off")


@login_required
@require_http_methods(["GET", "POST"])
def schedule_settings(request: HttpRequest) -> HttpResponse:
    """Appointment types with prices, and the therapist's policy (buffer, notice, caps, cancellation, modalities)."""
    _require_role(request, Role.THERAPIST)
    policy = setup.ensure_defaults(request.user)
    types = AppointmentType.objects.filter(therapist=request.user)
    policy_form = PolicyForm(request.POST or None, instance=policy, prefix="policy")
    types_form = TypesForm(request.POST or None, initial=TypesForm.initial_from(types), prefix="types")
    if request.method == "POST" and policy_form.is_valid() and types_form.is_valid():
        try:
            _save_settings(request, policy_form, types_form)
        except ValidationError as exc:
            apply_validation_error(policy_form, exc)
        else:
            messages.success(request, "Your booking settings are saved.")
            return redirect("schedule_settings")
    status = 400 if policy_form.errors or types_form.errors else 200
    return render(
        request, "scheduling/settings.html", {"policy_form": policy_form, "types_form": types_form}, status=status
    )


def _save_settings(request, policy_form, types_form) -> None:
    ctx = context_from_request(request)
    setup.save_policy(ctx, request.user, **{name: policy_form.cleaned_data[name] for name in setup.POLICY_FIELDS})
    for kind, values in types_form.per_kind().items():
        setup.save_appointment_type(ctx, request.user, kind=kind, **values)
