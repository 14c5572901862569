"""End to end in real Chromium: a client signs up and verifies; a therapist is made to enrol TOTP."""

import re

import pytest
from django.core import mail

from confide.core.testing.browser import axe_violations, fresh_totp_code
from confide.core.testing.fixtures import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _verification_link(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_client_signs_up_verifies_email_logs_in_and_sees_dashboard(page, live_server):
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("new.client@example.test")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_label("I am looking for therapy").check()
    page.get_by_label("Name others see").fill("Wren")
    page.get_by_label("Where you usually are").select_option("US-NY")
    page.get_by_label("Your time zone").select_option("America/New_York")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")

    link = _verification_link("new.client@example.test")
    assert "Wren" not in mail.outbox[-1].body  # no profile details in e-mail
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_url("**/accounts/login/**")

    page.get_by_label("Email").fill("new.client@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Wren"
    assert axe_violations(page) == []


def test_therapist_is_forced_to_enrol_totp_then_reaches_dashboard(page, live_server):
    make_user("new.therapist@example.test", "therapist", name="Dr New", mfa=False)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("new.therapist@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()

    page.goto("/dashboard/")  # a clinical page: not without MFA
    page.wait_for_url("**/accounts/2fa/totp/activate/**")  # straight there: the password just typed counts
    assert "/accounts/reauthenticate/" not in page.url
    secret = page.locator("#authenticator_secret, input[name=secret], [data-secret]").first
    secret_text = secret.input_value() if secret.count() else ""
    if not secret_text:
        secret_text = re.search(r"\b([A-Z2-7]{16,})\b", page.content()).group(1)
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(fresh_totp_code(secret_text))
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()

    page.goto("/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Dr New"


def test_wrong_password_is_refused_with_a_message(page, live_server):
    make_user("someone@example.test", "client")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("someone@example.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In", exact=True).click()
    assert "not correct" in page.content()
    assert "/accounts/login/" in page.url


def test_unattended_page_leaves_for_the_signed_out_screen(page, live_server, settings):
    settings.IDLE_MINUTES = 15
    make_user("idle@example.test", "client", name="Idle")
    page.clock.install()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("idle@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/dashboard/")

    page.clock.fast_forward("10:00")  # ten quiet minutes: still there
    assert page.url.endswith("/dashboard/")
    page.clock.fast_forward("05:10")  # past fifteen: the page hides itself and signs out
    page.wait_for_url("**/account/signed-out/")
    assert "You were signed out" in page.content()
    page.goto("/dashboard/")
    assert "/accounts/login/" in page.url
