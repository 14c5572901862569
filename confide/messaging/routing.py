"""WebSocket routes of messaging (collected by confide/core/routing.py)."""

from django.urls import path

from confide.messaging.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/messages/<uuid:conversation_id>/", ChatConsumer.as_asgi()),
]
