"""Passkeys (WebAuthn) work end to end, with Chromium's virtual authenticator."""

import re

import pytest
from allauth.mfa.models import Authenticator

from confide.core.testing.fixtures import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_client_adds_a_passkey_then_signs_in_with_it(page, live_server, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the test server is plain http://localhost
    user = make_user("passkey@example.test", "client")
    _virtual_authenticator(page)
    page.goto(live_server.url.replace("127.0.0.1", "localhost") + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/dashboard/")

    page.goto(live_server.url.replace("127.0.0.1", "localhost") + "/accounts/2fa/webauthn/add/")
    assert "/reauthenticate/" not in page.url  # signed in seconds ago: no second password prompt
    page.get_by_label("Name").fill("My laptop")
    page.get_by_label(re.compile("Passwordless", re.I)).check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_function("() => !location.pathname.endsWith('/webauthn/add/')")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    page.context.clear_cookies()
    page.goto(live_server.url.replace("127.0.0.1", "localhost") + "/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, passkey"
