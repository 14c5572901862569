"""What every Confide WebSocket consumer shares."""

from __future__ import annotations

from channels.consumer import get_handler_name


class NoPerFrameConnectionCheck:
    """Skip Channels' ``close_old_connections`` before every incoming frame and channel-layer event.

    Why: since Channels 4.2 ``AsyncConsumer.dispatch`` hops to the one sync
    thread before *each* message to close stale database connections. For a
    chat server that is a thread hop per frame and per delivered event, all
    queued on one thread — it was most of the chat's CPU per message. Our
    consumers never touch the database on the event loop: they go through
    ``database_sync_to_async`` (which checks connections around each call itself)
    or the chat database pool (``messaging/dbpool.py``, which checks its own
    connections once a second and after errors).
    """

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
