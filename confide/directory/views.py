"""Directory pages: search, public profile, embed widget, photo, profile edit, licences, staff queue."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.accounts.models import Role
from confide.core.forms import apply_validation_error
from confide.core.jurisdictions import jurisdiction_name
from confide.core.security import allow_framing
from confide.directory import matching, policies, services
from confide.directory.client_dates import reader_today
from confide.directory.forms import HideForm, LicenceForm, MatchingForm, PhotoForm, ProfileForm, ReviewForm, SearchForm
from confide.directory.models import Licence, TherapistProfile
from confide.directory.photos import photo_path
from confide.directory.search import FilterError, SearchFilters, parse_filters, search
from confide.privacy.audit import context_from_request, record_event


def _require_role(request: HttpRequest, role: str) -> None:
    if request.user.role != role:
        raise PermissionDenied("This page is not available for your account type.")


def _default_jurisdiction(request: HttpRequest) -> str:
    """The signed-in client's own location (PHI), read for their own search — and audited like any PHI read."""
    if request.user.is_authenticated and request.user.role == Role.CLIENT:
        from confide.accounts.services import client_profile_for

        profile = client_profile_for(request.user)
        if profile.jurisdiction:
            record_event(
                context_from_request(request),
                "directory.search.own_location",
                object_type="client_profile",
                object_id=profile.pk,
                subject=request.user,
            )
        return profile.jurisdiction or ""
    return ""


def _search_jurisdiction_default(request: HttpRequest) -> str:
    """Read the stored location only when the search does not already say where."""
    return "" if request.GET.get("jurisdiction") else _default_jurisdiction(request)


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Find a therapist licensed where you are. HTMX requests get only the results."""
    partial = bool(request.htmx)
    template = "directory/_results.html" if partial else "directory/search.html"
    try:
        filters = parse_filters(
            request.GET, default_jurisdiction=_search_jurisdiction_default(request), ignore_unknown=True
        )
    except FilterError as exc:
        first_visit = not request.GET
        context = {"error": "" if first_visit else " ".join(exc.messages), "form": _search_form(request.GET)}
        return render(request, template, context, status=200 if first_visit else 400)
    result = search(filters, today=reader_today(request.user))
    context = {
        "result": result,
        "filters": filters,
        "links": _links(result),
        "place": jurisdiction_name(filters.jurisdiction),
        "form": _search_form(filters.to_params()),
    }
    return render(request, template, context)


def _search_form(data) -> SearchForm:
    return SearchForm(data=data or None)


def _visible_profile(request: HttpRequest, slug: str) -> TherapistProfile:
    profile = TherapistProfile.objects.select_related("user").filter(slug=slug).first()
    user = request.user if request.user.is_authenticated else None
    if profile is None or not policies.can_view_profile(user, profile):
        raise Http404("Not found")
    return profile


@require_GET
def profile_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The public profile: no sign-in needed, stable URL."""
    profile = _visible_profile(request, slug)
    licences = Licence.objects.filter(therapist_id=profile.user_id, status=Licence.Status.VERIFIED).select_related(
        "licence_type"
    )
    today = reader_today(request.user)  # a client sees what counts where they are today
    return render(
        request,
        "directory/profile.html",
        {
            "profile": profile,
            "licences": [lic for lic in licences if lic.expires_on >= today],
            "is_owner": _owns(request, profile),
            **_settings_links(),
        },
    )


def _owns(request: HttpRequest, profile: TherapistProfile) -> bool:
    return request.user.is_authenticated and request.user.pk == profile.user_id


@allow_framing
@require_GET
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The small "Book with me" card therapists put on their own websites (iframe)."""
    profile = TherapistProfile.objects.filter(slug=slug, hidden=False, user__is_active=True).first()
    if profile is None:
        raise Http404("Not found")
    return render(request, "directory/embed.html", {"profile": profile})


@require_GET
def photo(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a re-encoded profile photo of a visible profile (media is never served directly)."""
    path = photo_path(name)
    if path is None or not TherapistProfile.objects.filter(photo=name, hidden=False).exists():
        raise Http404("Not found")
    if not default_storage.exists(path):
        raise Http404("Not found")
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # the embed widget shows it on other sites
    return response


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: HttpRequest) -> HttpResponse:
    """The therapist edits their own profile; the preview beside the form updates as they type."""
    _require_role(request, Role.THERAPIST)
    profile = services.profile_for(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        terms = {name: form.cleaned_data[name] for name in services.TERM_FIELDS}
        fields = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
        try:
            services.update_profile(context_from_request(request), profile, fields=fields, terms=terms)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("directory:edit_profile")
    status = 400 if form.errors else 200
    return render(request, "directory/edit_profile.html", _edit_context(profile, form), status=status)


def _edit_context(profile, form, photo_form=None, licence_form=None) -> dict:
    return {
        "profile": profile,
        "form": form,
        "photo_form": photo_form or PhotoForm(),
        "licence_form": licence_form or LicenceForm(),
        "licences": Licence.objects.filter(therapist_id=profile.user_id).select_related("licence_type"),
        **_settings_links(),
    }


def _settings_links() -> dict:
    """Where the facts this profile only shows are set (None when that app is not installed)."""
    links = {}
    for key, name in (("booking_rules_url", "schedule_settings"), ("reply_settings_url", "messaging_settings")):
        try:
            links[key] = reverse(name)
        except NoReverseMatch:
            links[key] = None
    return links


@login_required
@require_POST
def preview_profile(request: HttpRequest) -> HttpResponse:
    """HTMX live preview: render the card from the unsaved form, save nothing."""
    _require_role(request, Role.THERAPIST)
    profile = services.profile_for(request.user)
    form = ProfileForm(request.POST, instance=profile)
    form.is_valid()
    return render(request, "directory/_preview.html", {"profile": form.instance})


@login_required
@require_POST
def upload_photo(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.THERAPIST)
    profile = services.profile_for(request.user)
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        try:
            services.set_photo(context_from_request(request), profile, photo_form.cleaned_data["photo"])
        except ValidationError as exc:
            apply_validation_error(photo_form, exc)
        else:
            messages.success(request, "Your photo is updated.")
            return redirect("directory:edit_profile")
    context = _edit_context(profile, ProfileForm(instance=profile), photo_form=photo_form)
    return render(request, "directory/edit_profile.html", context, status=400)


@login_required
@require_POST
def add_licence(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.THERAPIST)
    profile = services.profile_for(request.user)
    licence_form = LicenceForm(request.POST)
    if licence_form.is_valid():
        try:
            services.add_licence(context_from_request(request), request.user, **licence_form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(licence_form, exc)
        else:
            messages.success(request, "Licence added. It counts once our staff have verified it.")
            return redirect("directory:edit_profile")
    context = _edit_context(profile, ProfileForm(instance=profile), licence_form=licence_form)
    return render(request, "directory/edit_profile.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def licence_queue(request: HttpRequest) -> HttpResponse:
    """Staff check each pending licence against the board's register, then verify or reject."""
    _require_role(request, Role.STAFF)
    if request.method == "POST":
        return _review(request)
    pending = Licence.objects.filter(status=Licence.Status.PENDING).select_related("licence_type", "therapist")
    recent = (
        Licence.objects.exclude(status=Licence.Status.PENDING)
        .filter(reviewed_at__isnull=False)
        .select_related("licence_type", "therapist", "reviewed_by")
        .order_by("-reviewed_at")[:30]
    )
    return render(request, "directory/licence_queue.html", {"pending": pending, "recent": recent, "form": ReviewForm()})


def _review(request: HttpRequest) -> HttpResponse:
    try:
        licence = Licence.objects.filter(pk=request.POST.get("licence_id", "")).first()
    except ValidationError:
        licence = None
    if licence is None:
        raise Http404("Not found")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose verify or reject.")
        return redirect("directory:licence_queue")
    try:
        services.review_licence(
            context_from_request(request),
            licence,
            verify=form.cleaned_data["decision"] == "verify",
            note=form.cleaned_data["note"],
        )
        messages.success(request, "Decision recorded.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("directory:licence_queue")


@login_required
@require_POST
def moderate_profile(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff hide (or show again) a profile."""
    _require_role(request, Role.STAFF)
    profile = get_object_or_404(TherapistProfile, slug=slug)
    form = HideForm(request.POST)
    form.is_valid()
    try:
        services.hide_profile(
            context_from_request(request),
            profile,
            hidden=form.cleaned_data.get("hidden", False),
            reason=form.cleaned_data.get("reason", ""),
        )
        messages.success(request, "Profile hidden." if profile.hidden else "Profile visible again.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("directory:profile", slug=profile.slug)


def _links(result) -> dict[str, str]:
    """Shareable URLs for the pages around this one and for the "show everyone" switch."""
    base = reverse("directory:search")
    filters: SearchFilters = result.filters
    links = {"self": base + "?" + urlencode(filters.to_params())}
    if result.has_previous:
        links["previous"] = base + "?" + urlencode(filters.to_params(page=result.page - 1))
    if result.has_next:
        links["next"] = base + "?" + urlencode(filters.to_params(page=result.page + 1))
    if result.unavailable and not filters.include_unavailable:
        links["include_unavailable"] = base + "?" + urlencode(filters.to_params(include_unavailable=True, page=1))
    return links


@login_required
@require_http_methods(["GET", "POST"])
def match_questionnaire(request: HttpRequest) -> HttpResponse:
    """A client answers a few questions; the answers are stored encrypted and every read is audited."""
    _require_role(request, Role.CLIENT)
    ctx = context_from_request(request)
    if request.method == "POST":
        form = MatchingForm(request.POST)
        if form.is_valid():
            try:
                matching.submit_answers(ctx, request.user, form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("directory:match_results")
        return render(request, "directory/match_form.html", {"form": form}, status=400)
    previous = matching.latest_answers(ctx, request.user)
    initial = previous.answers if previous else {"jurisdiction": _default_jurisdiction(request)}
    return render(request, "directory/match_form.html", {"form": MatchingForm(initial=initial)})


@login_required
@require_GET
def match_results(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.CLIENT)
    saved = matching.latest_answers(context_from_request(request), request.user)
    if saved is None:
        return redirect("directory:match")
    matches = matching.rank(saved.answers, client=request.user)
    return render(request, "directory/match_results.html", {"matches": matches, "place": matching.place(saved.answers)})
