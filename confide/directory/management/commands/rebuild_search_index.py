"""Re-create every directory search row from profiles, licences, taxonomies and compacts."""

import time

from django.core.management.base import BaseCommand

from confide.directory import search_index


class Command(BaseCommand):
    help = "Rebuild the directory's search index (safe to run at any time; search keeps working)."

    def handle(self, *args, **options):
        started = time.monotonic()
        written = search_index.rebuild()
        self.stdout.write(f"Wrote {written} search rows in {time.monotonic() - started:.1f} s.")
