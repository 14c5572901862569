"""No log line keeps a query string (searches, locations, tokens)."""

import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from confide.core.logs import StripQueryStrings, strip_query
from confide.core.testing.services import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_strip_query_keeps_the_path_only():
    assert strip_query("/therapists/?jurisdiction=US-NY&q=eating+disorder") == "/therapists/?…"
    assert (strip_query("/healthz"), strip_query("GET"), strip_query(200)) == ("/healthz", "GET", 200)


def test_filter_rewrites_uvicorn_style_records():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/therapists/?q=grief", "1.1", 200),
        None,
    )
    StripQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /therapists/?… HTTP/1.1" 200'


def test_a_real_uvicorn_process_logs_no_query_string(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "confide.asgi:application", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "CONFIDE_DATABASE_URL"}  # about logging: the embedded default
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env)  # noqa: S603
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?secret=grief-and-loss", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert "GET /healthz?… HTTP/1.1" in stderr
    assert "grief-and-loss" not in stderr
