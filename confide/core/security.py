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


MIB = 1024 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH")  # the requests whose body a view may read


def _megabytes(size: int) -> str:
    return f"{round(size / MIB, 1):g} MB"


def upload_limit_message() -> str:
    """The sentence for a request body larger than any accepted file."""
    from django.conf import settings

    files = max(settings.UPLOAD_MAX_BYTES, settings.MESSAGE_ATTACHMENT_MAX_BYTES)
    # The largest limit of any form: a photo form takes less and says so, so this must not promise more.
    return f"That upload is too large. No file over {_megabytes(files)} is accepted, and some forms take less."


def form_data_limit_message() -> str:
    """The sentence for form or JSON text over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's RequestDataTooBig)."""
    from django.conf import settings

    files = max(settings.UPLOAD_MAX_BYTES, settings.MESSAGE_ATTACHMENT_MAX_BYTES)
    return (
        f"That is too much to send at once. Text in one form can be at most "
        f"{_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}, files at most {_megabytes(files)}."
    )


def too_large_response(request: HttpRequest, message: str) -> HttpResponse:
    """413: JSON for the API and HTMX, otherwise the site's own page (the person's header, the limit)."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/") or request.headers.get("HX-Request"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "errors/413.html", {"message": message}, status=413)


class UploadSizeLimitMiddleware:
    """Refuse an upload larger than any allowed file before its body is read (413).

    Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a plain temporary
    file while parsing; an oversized photo or PDF is PHI that would touch the
    disk unencrypted before the form could reject it. Browsers send
    Content-Length with every form post, so the declared length decides.

    It sits last in MIDDLEWARE: no middleware reads the body in ``__call__`` (CSRF
    reads the form in ``process_view``, after every ``__call__``), and by then the
    session, user and HTMX flag are known, so the 413 page has the person's own
    header and passes back through the security headers (CSP, no-store). Under
    ASGI, :func:`refuse_oversized_bodies` keeps Django from reading the body first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        if request.method in BODY_METHODS and self._too_large(request, settings.FILE_UPLOAD_MAX_MEMORY_SIZE):
            return too_large_response(request, upload_limit_message())
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> bool:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False  # Django itself rejects a malformed length
        return length > limit


def refuse_oversized_bodies(app):
    """ASGI wrapper: a body declared larger than any accepted upload is never read.

    Django's ASGI handler reads the whole body into a SpooledTemporaryFile before
    any middleware runs, and the file moves to disk past FILE_UPLOAD_MAX_MEMORY_SIZE:
    an oversized upload (PHI) would be written to disk unencrypted just to be
    refused. Django gets an empty body instead, with the declared Content-Length,
    so UploadSizeLimitMiddleware answers 413 as it does everywhere else.
    """
    from django.conf import settings

    async def guarded(scope, receive, send):
        if (
            scope["type"] == "http"
            and scope.get("method") in BODY_METHODS
            and _declared_length(scope) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        ):
            receive = _BodyNeverRead()
        await app(scope, receive, send)

    return guarded


def _declared_length(scope) -> int:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


class _BodyNeverRead:
    """An ASGI ``receive`` that reports an empty body, then waits (Django listens for a disconnect meanwhile)."""

    def __init__(self) -> None:
        self.given = False

    async def __call__(self) -> dict:
        import asyncio

        if not self.given:
            self.given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.get_running_loop().create_future()  # until Django cancels the listener
