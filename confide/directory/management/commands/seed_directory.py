"""manage.py seed_directory --therapists N [--seed S] [--replace]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from confide.directory.seeding import DOMAIN, remove_seeded, seed_therapists


class Command(BaseCommand):
    help = "Generate realistic synthetic therapists (profiles, licences, taxonomies); reproducible with --seed."

    def add_arguments(self, parser):
        parser.add_argument("--therapists", type=int, required=True, help="how many to create")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same therapists")
        parser.add_argument("--replace", action="store_true", help=f"first delete every account @{DOMAIN}")

    def handle(self, *args, therapists: int, seed: int, replace: bool, **options):
        if not 1 <= therapists <= 1_000_000:
            raise CommandError("--therapists must be between 1 and 1,000,000.")
        from confide.accounts.models import User

        if replace:
            self.stdout.write(f"Removed {remove_seeded()} rows of earlier seeded data.")
        start = User.objects.filter(email__endswith=f"-{seed}@{DOMAIN}").count()
        began = time.monotonic()
        created = seed_therapists(therapists, seed=seed, start=start)
        self.stdout.write(f"Created {created} therapists (seed {seed}) in {time.monotonic() - began:.1f} s.")
