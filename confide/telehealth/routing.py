"""WebSocket routes of telehealth (collected by confide.core.routing)."""

from django.urls import path

from confide.telehealth.consumers import SignalingConsumer

# One constant path: the room is chosen by the single-use join token (a subprotocol), never by the URL.
websocket_urlpatterns = [path("ws/visits/", SignalingConsumer.as_asgi())]
