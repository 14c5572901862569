"""manage.py verify_audit — check the audit log's hash chain end to end."""

from django.core.management.base import BaseCommand

from confide.privacy.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; report the first broken link. Exit code 1 if broken."

    def handle(self, *args, **options):
        report = verify_chain()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {report.checked} events. Head hash {report.head_hash} "
                    "(record it somewhere else to detect a rewritten chain)."
                )
            )
            return
        where = "after the last event" if report.first_broken_id == -1 else f"at event id {report.first_broken_id}"
        self.stderr.write(
            self.style.ERROR(
                f"Audit chain BROKEN {where}: {report.problem}. {report.checked} events before it are intact."
            )
        )
        raise SystemExit(1)
