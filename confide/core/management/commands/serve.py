"""manage.py serve — uvicorn (HTTP + WebSockets) plus the background task worker.

Ctrl-C stops both. Used by ``make run``; production runs the two as separate
services (docs/operations.md).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Confide with uvicorn and run the background task worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host: str, port: int, workers: int, **options):
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker"])  # noqa: S603
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
            ]
        )
        self.stdout.write(self.style.SUCCESS(f"Confide is running at http://{host}:{port}/  (Ctrl-C to stop)"))
        try:
            while server.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
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
