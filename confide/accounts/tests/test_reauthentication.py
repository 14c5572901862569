"""Signing in counts as a fresh authentication: no second password prompt right after it, only after the timeout.

Through the real sign-in form (allauth's flow and our adapter), not ``force_login``:
the bug was in what that flow leaves in the session.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from confide.core.testing.fixtures import PASSWORD, make_user

pytestmark = pytest.mark.django_db

RECORDS_KEY = "account_authentication_methods"


def _sign_in(http, user):
    """Post the sign-in form and follow where it leads (dashboard, then the MFA gate for a clinician)."""
    response = http.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True)
    assert "_auth_user_id" in http.session
    return response


def _visited(response) -> list[str]:
    return [url for url, _status in response.redirect_chain]


def _pass_time_since_sign_in(http, seconds: float) -> None:
    """Move every authentication record of this session ``seconds`` into the past (the clock, not the data)."""
    session = http.session
    session[RECORDS_KEY] = [{**record, "at": record["at"] - seconds} for record in session[RECORDS_KEY]]
    session.save()


@pytest.mark.parametrize("role", ["therapist", "staff"])
def test_first_sign_in_of_a_clinician_reaches_totp_set_up_without_asking_the_password_again(client, role):
    user = make_user(f"first-{role}@example.test", role, mfa=False)
    response = _sign_in(client, user)
    assert _visited(response) == [reverse("dashboard"), reverse("mfa_activate_totp")]
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="code"' in page  # the authenticator-code field of the activation form
    assert reverse("account_reauthenticate") not in "".join(_visited(response))


def test_totp_set_up_asks_for_the_password_again_after_the_reauthentication_timeout(client):
    user = make_user("late-therapist@example.test", "therapist", mfa=False)
    _sign_in(client, user)
    _pass_time_since_sign_in(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))

    confirmed = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert _visited(confirmed)[-1] == reverse("mfa_activate_totp")
    assert 'name="code"' in confirmed.content.decode()


def test_a_sensitive_change_just_after_sign_in_needs_no_second_password(client):
    user = make_user("fresh-client@example.test", "client")
    _sign_in(client, user)
    assert client.get(reverse("data_export")).status_code == 200


def test_a_sensitive_change_after_the_timeout_asks_for_the_password_again(client):
    user = make_user("stale-client@example.test", "client")
    _sign_in(client, user)
    _pass_time_since_sign_in(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get(reverse("data_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_failed_sign_in_leaves_nothing_that_counts_as_recent(client):
    user = make_user("wrong-password@example.test", "client")
    client.post(reverse("account_login"), {"login": user.email, "password": "not the password"})
    assert "_auth_user_id" not in client.session
    assert client.session.get(RECORDS_KEY) in (None, [])
