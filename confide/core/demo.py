"""Demo people for the embedded demo (``manage.py demo``).

Each app may add its own demo data in ``confide/<app>/demo.py`` with a
``populate(people: DemoPeople) -> None`` function; it must be idempotent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from confide.core.env import generated_secret
from confide.core.plugins import optional_app_module

DEMO_APPS = ("directory", "scheduling", "intake", "safety", "messaging", "telehealth", "records", "billing")

THERAPISTS = [
    ("ana.therapist@demo.confide.test", "Dr Ana Morales", "America/New_York"),
    ("ben.therapist@demo.confide.test", "Ben Carter, LCSW", "America/Chicago"),
    ("chloe.therapist@demo.confide.test", "Chloe Nguyen, LMFT", "America/Los_Angeles"),
    ("dev.therapist@demo.confide.test", "Dr Dev Patel", "Europe/London"),
]
CLIENTS = [
    ("river.client@demo.confide.test", "River", "US-NY", "America/New_York"),
    ("sol.client@demo.confide.test", "Sol", "US-CA", "America/Los_Angeles"),
    ("kai.client@demo.confide.test", "Kai", "GB", "Europe/London"),
]
STAFF = [("sam.staff@demo.confide.test", "Sam (staff)"), ("sky.staff@demo.confide.test", "Sky (staff)")]


@dataclass
class DemoPeople:
    password: str
    therapists: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    staff: list = field(default_factory=list)


def demo_password() -> str:
    """A random password kept in var/, so demo logins are never guessable defaults."""
    return generated_secret(settings.DATA_DIR, "demo_password", lambda: "demo-" + secrets.token_urlsafe(9))


def create_demo() -> DemoPeople:
    people = DemoPeople(password=demo_password())
    with transaction.atomic():
        people.therapists = [_person(email, "therapist", name, tz, people.password) for email, name, tz in THERAPISTS]
        people.clients = [_client(email, name, where, tz, people.password) for email, name, where, tz in CLIENTS]
        people.staff = [_person(email, "staff", name, "UTC", people.password) for email, name in STAFF]
    for app in DEMO_APPS:
        module = optional_app_module(app, "demo")
        if module is not None:
            module.populate(people)
    return people


def _person(email: str, role: str, name: str, tz: str, password: str):
    from allauth.account.models import EmailAddress

    from confide.accounts.models import User

    user, created = User.objects.get_or_create(
        email=email, defaults={"role": role, "display_name": name, "time_zone": tz, "is_staff": role == "staff"}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _client(email: str, name: str, where: str, tz: str, password: str):
    from confide.accounts.models import ClientProfile

    user = _person(email, "client", name, tz, password)
    ClientProfile.objects.get_or_create(user=user, defaults={"jurisdiction": where})
    return user
