"""Account pages: profile, API tokens, idle sign-out, the client record, emergency access."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from confide.accounts import policies, services, transparency
from confide.accounts.forms import ApiTokenForm, ClientProfileForm, EmergencyAccessForm, ReviewForm
from confide.accounts.models import ApiToken, Role, User
from confide.core.forms import apply_validation_error
from confide.privacy import services as privacy_services
from confide.privacy.audit import context_from_request
from confide.privacy.models import EmergencyAccess


def _require_role(request: HttpRequest, role: str) -> None:
    if request.user.role != role:
        raise PermissionDenied("This page is not available for your account type.")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """A client's pseudonym, optional legal name and birth date, location and zone."""
    _require_role(request, Role.CLIENT)
    ctx = context_from_request(request)
    if request.method == "POST":
        form = ClientProfileForm(request.POST)
        if form.is_valid() and _save_profile(request, ctx, form):
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    else:
        identity = services.read_client_identity(ctx, request.user)
        form = ClientProfileForm(
            initial={
                "pseudonym": request.user.display_name,
                "legal_name": identity.legal_name,
                "date_of_birth": identity.date_of_birth or None,
                "jurisdiction": identity.jurisdiction,
                "time_zone": request.user.time_zone,
            }
        )
    return render(request, "accounts/profile.html", {"form": form})


def _save_profile(request, ctx, form) -> bool:
    try:
        services.update_client_identity(ctx, request.user, **form.cleaned_data)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return False
    return True


@login_required
@require_http_methods(["GET"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"tokens": tokens, "form": ApiTokenForm()})


@login_required
@reauthentication_required
@require_POST
def create_api_token(request: HttpRequest) -> HttpResponse:
    """Creating a key is a sensitive change, so it asks for a fresh password/MFA check."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        tokens = ApiToken.objects.filter(user=request.user)
        return render(request, "accounts/tokens.html", {"tokens": tokens, "form": form}, status=400)
    issued = services.issue_api_token(context_from_request(request), request.user, form.cleaned_data["name"])
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request, "accounts/tokens.html", {"tokens": tokens, "form": ApiTokenForm(), "new_secret": issued.secret}
    )


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id)
    services.revoke_api_token(context_from_request(request), token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")


@require_http_methods(["GET", "POST"])
def idle_signed_out(request: HttpRequest) -> HttpResponse:
    """Where idle.js sends an unattended page: sign out, then explain."""
    if request.user.is_authenticated:
        logout(request)
    return render(request, "accounts/idle.html")


@login_required
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """idle.js calls this while the person is active without making requests (typing)."""
    return HttpResponse(status=204)


@login_required
@require_http_methods(["GET"])
def client_record(request: HttpRequest, client_id) -> HttpResponse:
    """The client's record as the authorised viewer may see it (every open is audited)."""
    client = User.objects.filter(pk=client_id, role=Role.CLIENT).first()
    if client is None:
        raise Http404("Not found")
    ctx = context_from_request(request)
    identity = services.read_client_identity(ctx, client)
    emergency = policies.has_emergency_access(request.user, client)
    return render(
        request,
        "accounts/client_record.html",
        {
            "client": client,
            "identity": identity,
            "emergency": emergency,
            "shown_name": services.name_for_viewer(request.user, client),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest) -> HttpResponse:
    """Staff break-glass: state a reason, get time-limited access, be reviewed."""
    _require_role(request, Role.STAFF)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        access = _open_access(request, form)
        if access is not None:
            messages.warning(
                request,
                f"Emergency access open until {timezone.localtime(access.expires_at):%H:%M} UTC. "
                "It is logged and will be reviewed.",
            )
            return redirect("client_record", client_id=access.client_id)
    mine = EmergencyAccess.objects.filter(staff=request.user)[:20]
    return render(request, "accounts/emergency_access.html", {"form": form, "mine": mine})


def _open_access(request, form) -> EmergencyAccess | None:
    client = User.objects.filter(email__iexact=form.cleaned_data["client_email"], role=Role.CLIENT).first()
    if client is None:
        form.add_error("client_email", "No client has this e-mail address.")
        return None
    try:
        return privacy_services.open_emergency_access(
            context_from_request(request),
            client,
            reason=form.cleaned_data["reason"],
            minutes=form.cleaned_data["minutes"],
            policy=policies.can_open_emergency_access,
        )
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def emergency_review(request: HttpRequest) -> HttpResponse:
    """Other staff review every emergency access after the fact."""
    _require_role(request, Role.STAFF)
    if request.method == "POST":
        access = get_object_or_404(EmergencyAccess, pk=request.POST.get("access_id"))
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                privacy_services.review_emergency_access(
                    context_from_request(request),
                    access,
                    note=form.cleaned_data["note"],
                    policy=policies.can_review_emergency_access,
                )
                messages.success(request, "Review recorded.")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("emergency_review")
    pending = (
        EmergencyAccess.objects.filter(reviewed_at__isnull=True)
        .exclude(staff=request.user)
        .select_related("staff", "client")
    )
    done = EmergencyAccess.objects.filter(reviewed_at__isnull=False).select_related("staff", "reviewed_by")[:50]
    return render(request, "accounts/emergency_review.html", {"pending": pending, "done": done, "form": ReviewForm()})


@login_required
@require_http_methods(["GET"])
def access_log(request: HttpRequest) -> HttpResponse:
    """A client sees every audited access to their data: who, what, when."""
    _require_role(request, Role.CLIENT)
    entries = transparency.access_history(context_from_request(request), request.user)
    return render(request, "accounts/access_log.html", {"entries": entries})


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest) -> HttpResponse:
    """Download everything about me as JSON (asks for a fresh sign-in first)."""
    _require_role(request, Role.CLIENT)
    if request.method == "GET":
        return render(request, "accounts/export.html")
    data = transparency.export_client_data(context_from_request(request), request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="confide-my-data.json"'
    return response
