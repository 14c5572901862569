"""The HTTP API: one NinjaAPI that mounts each app's router.

Auth: the browser session (with CSRF on unsafe methods) or a personal access
token (``Authorization: Bearer cfd_…``). Errors are JSON with a ``detail``
sentence a person can read; bad input is 422, never 500.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from confide.accounts.api import router as accounts_router
from confide.core import jsontext
from confide.directory.api import router as directory_router
from confide.intake.api import router as intake_router
from confide.messaging.api import router as messaging_router
from confide.safety.api import router as safety_router
from confide.scheduling.api import router as scheduling_router
from confide.telehealth.api import router as telehealth_router


class TokenAuth(HttpBearer):
    """Personal access tokens, stored hashed, revocable."""

    def authenticate(self, request, token: str):
        from confide.accounts.policies import has_mfa
        from confide.accounts.services import user_for_token

        user = user_for_token(token)
        if user is None:
            return None
        if user.role in ("therapist", "staff") and not has_mfa(user):
            return None  # same MFA rule as the browser
        request.user = user
        return user


class StrictJSONParser(Parser):
    """JSON bodies whose text can be stored: half a surrogate pair is refused with 400, not a 500 later.

    JSON can carry a lone surrogate (``"\\ud800"``); Python keeps it in a ``str``
    that cannot be encoded as UTF-8, so the encryption of a PHI field, or the
    database, failed with a server error long after validation had passed.
    django-ninja answers any parse error with 400 "Cannot parse request body".
    """

    def parse_body(self, request):
        data = json.loads(request.body)
        if not jsontext.storable(data):
            raise ValueError("the body holds text that cannot be stored (half a surrogate pair)")
        return data


api = NinjaAPI(
    title="Confide API",
    version="1",
    description="Online therapy platform API. Authenticate with your browser session or a personal "
    "access token (Authorization: Bearer cfd_…).",
    auth=[TokenAuth(), SessionAuth()],  # token first: SessionAuth's CSRF check would refuse token POSTs
    urls_namespace="api",
    parser=StrictJSONParser(),
)


def _field_message(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", []) if part not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid value')}" if where else error.get("msg", "invalid value")


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    errors = exc.errors
    message = "; ".join(_field_message(e) for e in errors[:5]) or "The request is not valid."
    return api.create_response(request, {"detail": f"Invalid request — {message}", "errors": errors}, status=422)


@api.exception_handler(ValidationError)
def on_domain_validation_error(request, exc: ValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {}
    return api.create_response(request, {"detail": " ".join(exc.messages), "fields": fields}, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(request, {"detail": "Sign in or send a valid access token."}, status=401)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "You may not do that."}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/", accounts_router, tags=["accounts"])
api.add_router("/directory/", directory_router, tags=["directory"])
api.add_router("/safety/", safety_router, tags=["safety"])
api.add_router("/intake/", intake_router, tags=["intake"])
api.add_router("/scheduling/", scheduling_router, tags=["scheduling"])
api.add_router("/messaging/", messaging_router, tags=["messaging"])
api.add_router("/telehealth/", telehealth_router, tags=["telehealth"])
