"""Turn CONFIDE_EMAIL_URL into Django e-mail settings.

One URL is easier to keep right than five variables:
  console:                          print messages on the terminal (embedded demo)
  locmem:                           keep messages in memory (tests)
  file:///path/to/dir               write each message to a file
  smtp://user:pass@host:587?tls=1   a real mail server (STARTTLS with tls=1, SMTPS with ssl=1)
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}


def parse_email_url(url: str) -> dict[str, object]:
    """Return the EMAIL_* settings described by the URL."""
    parts = urlsplit(url)
    scheme = parts.scheme or url.rstrip(":")
    if scheme not in _BACKENDS:
        raise ImproperlyConfigured(
            f"CONFIDE_EMAIL_URL scheme must be one of {', '.join(sorted(_BACKENDS))}; got {url!r}"
        )
    settings: dict[str, object] = {"EMAIL_BACKEND": _BACKENDS[scheme]}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("CONFIDE_EMAIL_URL file: needs a directory, e.g. file:///var/mail")
        settings["EMAIL_FILE_PATH"] = parts.path
    if scheme == "smtp":
        settings.update(_smtp_settings(parts))
    return settings


def _smtp_settings(parts) -> dict[str, object]:
    query = parse_qs(parts.query)
    flag = lambda key: query.get(key, ["0"])[0] in {"1", "true", "yes"}  # noqa: E731
    if not parts.hostname:
        raise ImproperlyConfigured("CONFIDE_EMAIL_URL smtp:// needs a host")
    try:
        port = parts.port or 25
    except ValueError:
        raise ImproperlyConfigured("CONFIDE_EMAIL_URL has an invalid port") from None
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": flag("tls"),
        "EMAIL_USE_SSL": flag("ssl"),
        "EMAIL_TIMEOUT": 10,
    }
