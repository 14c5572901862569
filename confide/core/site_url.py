"""Where links in e-mails and calendar feeds point: ``CONFIDE_SITE_URL``, checked when settings load.

A clinic that forgets the setting would e-mail patients links to
http://127.0.0.1:8000 — their own computer. So, with DEBUG off, a missing or
loopback value refuses to start as soon as the site answers to a name other
than this machine's (``CONFIDE_ALLOWED_HOSTS``, or ``CONFIDE_CSRF_TRUSTED_ORIGINS``
behind a proxy that rewrites the Host header): every deployment other people
can reach has to list such a name, or Django refuses their requests. The
embedded demo (``make run``) answers to 127.0.0.1 and localhost only, so it can
only be used from this machine, where loopback links are the right links.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEMO_SITE_URL = "http://127.0.0.1:8000"


def is_local_host(host: str) -> bool:
    """127.0.0.0/8, ::1, 0.0.0.0, localhost and *.localhost: names that only ever mean this machine."""
    name = host.strip().lower().strip("[]").lstrip(".").rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def checked_site_url(raw: str, *, debug: bool, allowed_hosts: list[str], csrf_trusted_origins: list[str]) -> str:
    """The base URL for absolute links (no trailing slash), or ImproperlyConfigured naming the variable."""
    url = (raw.strip() or DEMO_SITE_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"CONFIDE_SITE_URL must be the address people open, like https://therapy.example.org; got {raw!r}."
        )
    if debug or not is_local_host(parts.hostname):
        return url
    public = _public_names(allowed_hosts, csrf_trusted_origins)
    if public:
        state = "is not set" if not raw.strip() else f"is {url}, an address on this machine"
        raise ImproperlyConfigured(
            f"CONFIDE_SITE_URL {state}, but the site answers to {public[0]}: links in e-mails and calendar "
            f"feeds would send people to {url} instead of the clinic. Set CONFIDE_SITE_URL to the address "
            "people open, e.g. CONFIDE_SITE_URL=https://therapy.example.org."
        )
    return url


def _public_names(allowed_hosts: list[str], csrf_trusted_origins: list[str]) -> list[str]:
    hosts = list(allowed_hosts) + [urlsplit(origin).hostname or origin for origin in csrf_trusted_origins]
    return [host for host in hosts if not is_local_host(host)]
