"""manage.py serve — uvicorn (HTTP + WebSockets) plus the background task worker.

Ctrl-C or SIGTERM (what systemd, Docker and ``kill`` send) stops both. Used by
``make run``; production runs the two as separate services (docs/operations.md).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from confide.core.site_url import is_local_host


def child_environment(environ: dict[str, str], host: str, port: int) -> dict[str, str]:
    """The server's and worker's environment.

    Serving on this machine only without ``CONFIDE_SITE_URL`` (``make run``, or the
    demo on another port), links in e-mails name the address really served rather
    than the default port 8000.
    """
    env = dict(environ)
    if env.get("CONFIDE_SITE_URL", "").strip() or not is_local_host(host):
        return env
    try:
        shown = "127.0.0.1" if ipaddress.ip_address(host.strip("[]")).is_unspecified else host
    except ValueError:
        shown = host  # localhost
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    env["CONFIDE_SITE_URL"] = f"http://{shown}:{port}"
    return env


class Stop(Exception):
    """SIGTERM arrived: leave the wait loop and stop the children, as Ctrl-C does."""


def _stop_on_sigterm(signum, frame) -> None:
    raise Stop


class Command(BaseCommand):
    help = "Serve Confide with uvicorn and run the background task worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host: str, port: int, workers: int, **options):
        # Without this, SIGTERM ended this process alone: the server and worker lived on (their parent
        # gone), kept the port, and the next start failed.
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        env = child_environment(dict(os.environ), host, port)
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker"], env=env)  # noqa: S603
        server = subprocess.Popen(  # noqa: S603 — fixed argv, no shell
            [
                sys.executable,
                "-m",
                "uvicorn",
                "confide.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-server-header",
                "--proxy-headers",
                # No permessage-deflate: compression next to secrets leaks lengths, and ~80 KB per socket.
                "--ws-per-message-deflate",
                "false",
            ],
            env=env,
        )
        self.stdout.write(self.style.SUCCESS(f"Confide is running at http://{host}:{port}/  (Ctrl-C to stop)"))
        try:
            while server.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except (KeyboardInterrupt, Stop):
            pass
        finally:
            for process in (server, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in (server, worker):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped.")
