"""manage.py rotate_data_keys — re-encrypt all PHI under the first key in CONFIDE_DATA_KEYS."""

from django.core.management.base import BaseCommand

from confide.privacy.keys import key_ring
from confide.privacy.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column and file under the newest data key (the first in "
        "CONFIDE_DATA_KEYS). Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        self.stdout.write(f"Re-encrypting under key {key_ring().current_id!r}…")
        report = rotate_all(batch_size=batch_size, progress=lambda line: self.stdout.write("  " + line))
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {report.rewritten} values and {report.files_rewritten} files re-encrypted, "
                f"{report.already_current} already current."
            )
        )
