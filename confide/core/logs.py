"""Logging filters that keep health data out of log files.

Query strings can carry what a person searched for ("eating disorder"), where
they are (``jurisdiction=US-NY``) or a one-time token, so no log line keeps
them: uvicorn's access log (HTTP and WebSocket lines) is filtered here, whatever
way uvicorn was started, because Django's LOGGING is applied in every app process.
"""

from __future__ import annotations

import logging


def strip_query(value: object) -> object:
    """'/therapists/?q=grief' → '/therapists/'; anything that is not a path is left alone."""
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0] + "?…"
    return value


class StripQueryStrings(logging.Filter):
    """Rewrites a record's path arguments before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query(arg) for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = " ".join(str(strip_query(part)) for part in record.msg.split(" "))
        return True
