"""Idle lock and the MFA gate for clinicians."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from confide.accounts.models import Role

LAST_SEEN_KEY = "confide_last_seen"
TOUCH_INTERVAL_SECONDS = 15
# Requests a page makes on its own (the safety-alert badge polling) carry this header: they are
# answered, and still refused once the session is idle, but they are not activity.
BACKGROUND_HEADER = "HTTP_X_CONFIDE_BACKGROUND"

# Pages a clinician without MFA may still open: sign-in/out and MFA set-up, public pages.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/privacy/", "/help/", "/healthz", "/favicon")
MFA_EXEMPT_EXACT = ("/",)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or getattr(request, "htmx", False)


class IdleLockMiddleware:
    """Sign a person out after CONFIDE_IDLE_MINUTES without a request.

    A shared or stolen laptop must not keep a therapy record open. The page's
    idle.js pings /account/keepalive/ only while the person is actually using it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            locked = self._expire_if_idle(request)
            if locked is not None:
                return locked
        return self.get_response(request)

    def _expire_if_idle(self, request):
        now = time.time()
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - float(last_seen) > settings.IDLE_MINUTES * 60:
            logout(request)
            return self._locked_response(request)
        background = request.META.get(BACKGROUND_HEADER) == "1"
        if last_seen is None or (not background and now - float(last_seen) > TOUCH_INTERVAL_SECONDS):
            request.session[LAST_SEEN_KEY] = now
        return None

    def _locked_response(self, request):
        message = f"For your privacy you were signed out after {settings.IDLE_MINUTES} minutes without activity."
        if _wants_json(request):
            return JsonResponse({"detail": message + " Sign in again."}, status=401)
        messages.info(request, message)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse("account_login") + (f"?{query}" if query else ""))


class MfaRequiredMiddleware:
    """Therapists and staff must enrol a second factor before any clinical page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        path = request.path
        exempt = path in MFA_EXEMPT_EXACT or path.startswith(MFA_EXEMPT_PREFIXES)
        # Also read by templates: pages a clinician may open before enrolling (the enrolment page, the
        # home page) must not link to, or poll, clinical pages that would refuse them.
        request.mfa_pending = self._mfa_pending(user)
        if request.mfa_pending and not exempt:
            return self._enrol_response(request)
        return self.get_response(request)

    @staticmethod
    def _mfa_pending(user) -> bool:
        """A therapist or staff member who has not enrolled a second factor yet."""
        if user is None or not user.is_authenticated or user.role not in (Role.THERAPIST, Role.STAFF):
            return False
        from confide.accounts.policies import has_mfa

        return not has_mfa(user)

    def _enrol_response(self, request):
        message = "Set up two-factor authentication before opening clinical pages."
        if _wants_json(request):
            return JsonResponse({"detail": message}, status=403)
        messages.warning(request, message)
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
