"""Recompute every therapist's availability summary for the directory (run hourly, or let the task chain do it)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute each therapist's availability summary; --schedule also queues the hourly background refresh."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="queue the self-renewing hourly task")

    def handle(self, *args, **options):
        from confide.scheduling import summary, tasks

        count = summary.refresh_all()
        self.stdout.write(f"Refreshed availability for {count} therapists.")
        if options["schedule"] and summary.ensure_periodic_refresh(after=tasks.SUMMARY_INTERVAL):
            self.stdout.write("Queued the hourly refresh task.")
