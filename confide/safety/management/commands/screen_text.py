"""`manage.py screen_text`: screen messages from stdin, one JSON object per line on stdout."""

import json
import sys

from django.core.management.base import BaseCommand

from confide.safety.services import screen_text


class Command(BaseCommand):
    help = 'Read one message per line on stdin; write {"level": ..., "reasons": [...]} per line.'
    # A text filter touches no URLs or models: it must keep working while another app is broken.
    requires_system_checks: list[str] = []
    # call_command("screen_text", stdin=StringIO(...)) in tests and scripts.
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--locale", default="en", help="language of the messages (en, es)")

    def handle(self, *args, **options) -> None:
        for line in options.get("stdin") or sys.stdin:
            screening = screen_text(line.rstrip("\r\n"), locale=options["locale"])
            self.stdout.write(json.dumps(screening.as_dict(), ensure_ascii=False))
