"""A real ASGI server (uvicorn) for tests that need WebSockets.

pytest-django's ``live_server`` is a WSGI server: it cannot upgrade a
connection to a WebSocket. ``asgi_live_server`` runs uvicorn serving
``confide.asgi.application`` in a thread of the test process, so it shares the
test database (SQLite's shared-cache in-memory database, or PostgreSQL) and
the in-memory channel layer with the test itself.

Why a thread and not a subprocess: the SQLite test database is in memory and
exists only in this process. Tests that must prove multi-process behaviour
start their own uvicorn processes against PostgreSQL instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from dataclasses import dataclass

import pytest

from confide.core.testing.browser import assert_no_violations, new_guarded_page


@dataclass
class AsgiServer:
    url: str
    ws_url: str
    port: int


class _ServerThread(threading.Thread):
    def __init__(self, sock: socket.socket):
        super().__init__(name="asgi-live-server", daemon=True)
        import uvicorn

        from confide.asgi import application

        # As production runs it (uvicorn picks websockets-sansio; no per-message deflate: docs/operations.md).
        config = uvicorn.Config(
            application, lifespan="off", log_level="warning", ws="websockets-sansio", ws_per_message_deflate=False
        )
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:  # reported to the test by the fixture
            self.error = exc

    def wait_started(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if self.error is not None or not self.is_alive():
                raise RuntimeError(f"ASGI test server did not start: {self.error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("ASGI test server did not start within 10 s")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=10)


@pytest.fixture
def asgi_live_server(transactional_db):
    """uvicorn on 127.0.0.1:<free port> serving the whole project (HTTP and WebSockets)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = _ServerThread(sock)
    thread.start()
    thread.wait_started()
    try:
        yield AsgiServer(url=f"http://127.0.0.1:{port}", ws_url=f"ws://127.0.0.1:{port}", port=port)
    finally:
        thread.stop()
        sock.close()
        _close_server_thread_connections()


def _close_server_thread_connections() -> None:
    """Django connections opened by the server's worker threads must not outlive the test (flush locks)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()


@pytest.fixture
def asgi_browser_context(chromium, asgi_live_server):
    context = chromium.new_context(base_url=asgi_live_server.url, viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def asgi_page(asgi_browser_context, asgi_live_server):
    """Like ``page`` (fails on other-origin requests and CSP violations), served over ASGI."""
    page = new_guarded_page(asgi_browser_context, asgi_live_server.url)
    yield page
    assert_no_violations(page)


def session_cookie_header(user) -> str:
    """``Cookie`` header value of a fresh signed-in session, for raw WebSocket clients."""
    from django.conf import settings

    from confide.core.testing.fixtures import logged_in

    http = logged_in(user)
    return f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"


@contextlib.contextmanager
def outside_playwright_loop():
    """Run asyncio code from a sync test even after Playwright's sync API ran in this process.

    Between its calls, Playwright's sync API leaves its own event loop marked as
    running in the main thread (it does the same dance itself), which makes
    ``asyncio.run`` and ``async_to_sync`` refuse to start.
    """
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)
