"""Production hashes passwords with Argon2id.

The test run puts MD5 first (conftest.py: Argon2 would cost minutes of persona
set-up), so these tests read the settings module itself, which is what every
real process loads, and hash with exactly its list.
"""

import importlib

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from confide.core.testing.fixtures import PASSWORD, make_user

PRODUCTION_HASHERS = importlib.import_module(settings.SETTINGS_MODULE).PASSWORD_HASHERS


def test_production_settings_hash_new_passwords_with_argon2():
    assert PRODUCTION_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert [h for h in PRODUCTION_HASHERS if "MD5" in h or "SHA1" in h or "Unsalted" in h] == []


@pytest.mark.django_db
def test_a_person_made_under_production_settings_gets_an_argon2id_hash_that_signs_in():
    with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
        user = make_user("argon@example.test", "client")
        assert user.password.startswith("argon2$argon2id$")
        assert identify_hasher(user.password).algorithm == "argon2"
        assert authenticate(None, username="argon@example.test", password=PASSWORD) == user
        assert authenticate(None, username="argon@example.test", password=PASSWORD + "x") is None
