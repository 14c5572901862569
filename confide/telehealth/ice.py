"""ICE servers for a participant: STUN URLs and TURN with time-limited credentials.

TURN credentials follow coturn's shared-secret ("TURN REST API") scheme, used
with ``use-auth-secret`` / ``static-auth-secret``: the username is
``<expiry unix time>:<opaque user id>`` and the password is
``base64(HMAC-SHA1(secret, username))``. coturn recomputes it, so nothing is
stored and a leaked credential dies at its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def turn_username(user_ref: str, *, now: float, ttl_seconds: int) -> str:
    return f"{int(now) + ttl_seconds}:{user_ref}"


def ice_servers_for(user, *, now: float | None = None) -> list[dict]:
    """The RTCPeerConnection ``iceServers`` list for ``user`` (a participant: callers check)."""
    servers: list[dict] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        username = turn_username(
            user.public_id, now=time.time() if now is None else now, ttl_seconds=settings.TURN_TTL_SECONDS
        )
        servers.append(
            {
                "urls": list(settings.TURN_URLS),
                "username": username,
                "credential": turn_credential(settings.TURN_SECRET, username),
            }
        )
    return servers
