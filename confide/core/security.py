"""Response headers that keep pages private: CSP, no third parties, no caching of PHI."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def build_csp(overrides: dict[str, str] | None = None, *, secure: bool = False) -> str:
    directives = {**CSP_DIRECTIVES, **(overrides or {})}
    # WebSockets to our own origin: 'self' covers ws(s) in modern browsers, but be explicit.
    directives["connect-src"] += " wss:" if secure else " ws: wss:"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def allow_framing(view: Callable) -> Callable:
    """Let any site embed this view in an iframe (the public "Book with me" widget only)."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.xframe_options_exempt = True
        response.csp_overrides = {"frame-ancestors": "*", "form-action": "'self'"}
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


class SecurityHeadersMiddleware:
    """Adds CSP, Permissions-Policy and no-store caching for signed-in pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        overrides = getattr(response, "csp_overrides", None)
        response.headers.setdefault("Content-Security-Policy", build_csp(overrides, secure=request.is_secure()))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages for a signed-in person may show PHI: never store them anywhere.
            response.headers["Cache-Control"] = "no-store, private"
        return response


class UploadSizeLimitMiddleware:
    """Refuse an upload larger than any allowed file before its body is read (413).

    Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a plain temporary
    file while parsing; an oversized photo or PDF is PHI that would touch the
    disk unencrypted before the form could reject it. Browsers send
    Content-Length with every form post, so this check comes first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        if request.method in ("POST", "PUT", "PATCH") and self._too_large(
            request, settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        ):
            return self._refuse(request, settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> bool:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False  # Django itself rejects a malformed length
        return length > limit

    @staticmethod
    def _refuse(request: HttpRequest, limit: int) -> HttpResponse:
        from django.http import JsonResponse
        from django.shortcuts import render

        message = f"That upload is too large. Files can be at most {limit // (1024 * 1024)} MB."
        if request.path.startswith("/api/") or request.headers.get("HX-Request"):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "errors/413.html", {"message": message}, status=413)
