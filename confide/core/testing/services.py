"""Is a real service reachable? Tests that need one call these.

Locally a missing service skips the test with a clear reason; with
CONFIDE_TEST_STRICT=1 (set by .ci/run) every skip becomes a failure, so CI can
never go green without really using PostgreSQL, Redis and Chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
from functools import lru_cache

import pytest

CHROMIUM_PATH = os.environ.get("CONFIDE_CHROMIUM", "/usr/bin/chromium")
POSTGRES_HOST = os.environ.get("CONFIDE_TEST_PG_HOST", "127.0.0.1")
REDIS_URL = os.environ.get("CONFIDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def strict() -> bool:
    return os.environ.get("CONFIDE_TEST_STRICT", "") in {"1", "true", "yes"}


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@lru_cache(maxsize=1)
def postgres_available() -> bool:
    return _port_open(POSTGRES_HOST, 5432)


@lru_cache(maxsize=1)
def redis_available() -> bool:
    return _port_open("127.0.0.1", 6379)


def chromium_available() -> bool:
    return shutil.which(CHROMIUM_PATH) is not None or os.path.exists(CHROMIUM_PATH)


def need(available: bool, what: str) -> None:
    """Skip (locally) or fail (CI) when a service is missing."""
    if available:
        return
    message = f"needs {what}, which is not available here"
    if strict():
        pytest.fail(message + " (CONFIDE_TEST_STRICT=1 makes this a failure)")
    pytest.skip(message)


def using_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now (for servers a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uvicorn_argv(port: int, *, access_log: bool = True) -> list[str]:
    """The command for one real app process on 127.0.0.1 (multi-process tests and benchmarks)."""
    import sys

    argv = [sys.executable, "-m", "uvicorn", "confide.asgi:application", "--port", str(port), "--host", "127.0.0.1"]
    argv += ["--log-level", "warning", "--lifespan", "off"]
    argv += ["--ws-per-message-deflate", "false"]  # as `manage.py serve` runs it (docs/operations.md)
    return argv if access_log else [*argv, "--no-access-log"]


def wait_for_port(port: int, process=None, timeout: float = 30.0) -> None:
    """Block until something listens on 127.0.0.1:``port``; fail early if ``process`` has exited."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _port_open("127.0.0.1", port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited during start-up")
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {timeout:.0f} s")
