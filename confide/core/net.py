"""Where a request comes from, for the audit log — from HTTP requests or ASGI scopes."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request_or_scope) -> str | None:
    """The client's address; X-Forwarded-For only counts behind configured proxies."""
    remote, forwarded = _addresses(request_or_scope)
    hops = settings.TRUSTED_PROXY_COUNT
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            remote = chain[-hops]
    return _valid_ip(remote)


def user_agent(request_or_scope) -> str:
    if isinstance(request_or_scope, dict):
        headers = dict(request_or_scope.get("headers") or [])
        return headers.get(b"user-agent", b"").decode("latin-1")[:256]
    return request_or_scope.META.get("HTTP_USER_AGENT", "")[:256]


def _addresses(request_or_scope) -> tuple[str | None, str]:
    if isinstance(request_or_scope, dict):
        client = request_or_scope.get("client") or (None, None)
        headers = dict(request_or_scope.get("headers") or [])
        return client[0], headers.get(b"x-forwarded-for", b"").decode("latin-1")
    meta = request_or_scope.META
    return meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR", "")


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
