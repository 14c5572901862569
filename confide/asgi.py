"""ASGI entry point: HTTP through Django, WebSockets through Channels consumers.

Each app that has real-time features exposes ``websocket_urlpatterns`` in its
``routing.py``; they are collected here.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from confide.core.routing import websocket_urlpatterns  # noqa: E402
from confide.core.security import refuse_oversized_bodies  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": refuse_oversized_bodies(django_asgi_app),  # an oversized upload is never spooled to disk
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Work that would otherwise fall on the first request after a start: the safety
# screener's lexicons compile in ~0.2 s, and the first client message waited.
from confide.safety.screening import prepare as prepare_screening  # noqa: E402

prepare_screening()

# Everything built at startup (Django's apps, models, URL patterns, templates'
# machinery) lives as long as the process. Moving it to the permanent
# generation keeps full garbage collections short: without this, one full
# collection stopped a chat server for ~50 ms under load (bench/chat_latency.py,
# docs/performance.md), and every message in flight waited for it.
gc.freeze()
