"""manage.py demo — create demo therapists, clients and staff (idempotent) and print their logins."""

from django.core.management.base import BaseCommand

from confide.core.demo import create_demo


class Command(BaseCommand):
    help = "Load demo data (safe to run again) and print the demo logins."

    def handle(self, *args, **options):
        people = create_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo logins (all share one password):"))
        self.stdout.write(f"  password: {people.password}")
        for label, users in (("therapist", people.therapists), ("client", people.clients), ("staff", people.staff)):
            for user in users:
                self.stdout.write(f"  {label:<9} {user.email}  ({user.display_name})")
        self.stdout.write(
            "Therapists and staff set up two-factor authentication (any authenticator app) at first sign-in."
        )
