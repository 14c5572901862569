"""Public pages, the role-aware dashboard, health check and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from confide.accounts.models import Role


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_GET
def privacy_and_security(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


@require_GET
def get_help(request: HttpRequest) -> HttpResponse:
    """Crisis resources, reachable without signing in from every page."""
    return render(request, "core/help.html")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """One URL, three dashboards: what each role needs next."""
    from confide.core.dashboard import dashboard_context

    template = {
        Role.CLIENT: "core/dashboard_client.html",
        Role.THERAPIST: "core/dashboard_therapist.html",
        Role.STAFF: "core/dashboard_staff.html",
    }[request.user.role]
    return render(request, template, dashboard_context(request))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: is the database reachable?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_400(request, exception=None):
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        # Form or JSON text over DATA_UPLOAD_MAX_MEMORY_SIZE: say what is too large, and how large is allowed.
        from confide.core.security import form_data_limit_message, too_large_response

        return too_large_response(request, form_data_limit_message())
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)


def csrf_failure(request, reason=""):
    """A form was posted without a valid token — usually an old tab. Say so kindly."""
    return render(request, "errors/csrf.html", status=403)
