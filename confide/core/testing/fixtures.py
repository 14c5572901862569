"""Persona fixtures shared by every app's tests.

``client`` stays pytest-django's HTTP test client; people are ``client_user``,
``other_client``, ``therapist``, ``other_therapist``, ``staff``, ``other_staff``.
Clinicians come with TOTP enrolled (they cannot open clinical pages without it).
"""

from __future__ import annotations

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from confide.accounts.models import ClientProfile, Role, User

PASSWORD = "correct horse battery staple 42"  # noqa: S105 — test persona password


def make_user(
    email: str,
    role: str,
    *,
    name: str = "",
    mfa: bool | None = None,
    jurisdiction: str = "US-NY",
    time_zone: str = "America/New_York",
) -> User:
    user = User.objects.create_user(
        email=email, password=PASSWORD, role=role, display_name=name or email.split("@")[0], time_zone=time_zone
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if role == Role.CLIENT:
        ClientProfile.objects.create(user=user, jurisdiction=jurisdiction)
    if mfa if mfa is not None else role in (Role.THERAPIST, Role.STAFF):
        enrol_totp(user)
    return user


def enrol_totp(user: User) -> str:
    """Give the user a TOTP authenticator; returns the base32 secret for pyotp."""
    from allauth.mfa.totp.internal.auth import TOTP

    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    user._totp_secret = secret
    return secret


def logged_in(user: User) -> Client:
    http = Client()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path_factory):
    """Each test writes files (photos, encrypted attachments) under its own folder, never var/media:
    a test that rotates keys must not meet files another test encrypted."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and caches must not leak from one test to the next (nor the directory's in-process
    taxonomy cache: a test's edits roll back without signals)."""
    from confide.directory import taxonomy

    cache.clear()
    taxonomy.clear()
    yield
    cache.clear()
    taxonomy.clear()


@pytest.fixture
def client_user(db) -> User:
    return make_user("casey@example.test", Role.CLIENT, name="Casey")


@pytest.fixture
def other_client(db) -> User:
    return make_user(
        "olive@example.test", Role.CLIENT, name="Olive", jurisdiction="US-CA", time_zone="America/Los_Angeles"
    )


@pytest.fixture
def therapist(db) -> User:
    return make_user("dr.tess@example.test", Role.THERAPIST, name="Dr Tess Rivera")


@pytest.fixture
def other_therapist(db) -> User:
    return make_user("dr.omar@example.test", Role.THERAPIST, name="Dr Omar Haddad")


@pytest.fixture
def staff(db) -> User:
    return make_user("sam.staff@example.test", Role.STAFF, name="Sam (staff)")


@pytest.fixture
def other_staff(db) -> User:
    return make_user("sky.staff@example.test", Role.STAFF, name="Sky (staff)")


@pytest.fixture
def care(client_user, therapist):
    """An active care relationship: client_user is therapist's client."""
    from confide.accounts.services import start_care

    return start_care(client_user, therapist)


@pytest.fixture
def as_client(client_user) -> Client:
    return logged_in(client_user)


@pytest.fixture
def as_other_client(other_client) -> Client:
    return logged_in(other_client)


@pytest.fixture
def as_therapist(therapist) -> Client:
    return logged_in(therapist)


@pytest.fixture
def as_other_therapist(other_therapist) -> Client:
    return logged_in(other_therapist)


@pytest.fixture
def as_staff(staff) -> Client:
    return logged_in(staff)


def mark_recent_sign_in(http: Client) -> None:
    """Record a password sign-in now, as allauth does, so sudo-mode pages open without re-authentication."""
    import time

    session = http.session
    user_id = session["_auth_user_id"]
    session["account_authentication_methods_user"] = str(user_id)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": "", "reauthenticated": True}
    ]
    session.save()


def download_my_data(http: Client) -> dict:
    """A client's "Download my data" file, parsed (each app's export tests read their own section)."""
    import json

    from django.urls import reverse

    mark_recent_sign_in(http)
    response = http.post(reverse("data_export"))
    assert response.status_code == 200
    return json.loads(response.content)
