"""Idle lock and the MFA gate."""

import time

import pytest
from django.urls import reverse

from confide.accounts.middleware import LAST_SEEN_KEY
from confide.core.testing.fixtures import logged_in, make_user, mark_recent_sign_in

pytestmark = pytest.mark.django_db


def _age_session(http, seconds: float) -> None:
    session = http.session
    session[LAST_SEEN_KEY] = time.time() - seconds
    session.save()


def test_active_session_stays_signed_in(as_client):
    as_client.get(reverse("dashboard"))
    _age_session(as_client, 60)
    assert as_client.get(reverse("dashboard")).status_code == 200


def test_idle_session_is_signed_out_and_asked_to_sign_in_again(as_client, settings):
    settings.IDLE_MINUTES = 15
    as_client.get(reverse("dashboard"))
    _age_session(as_client, 15 * 60 + 5)
    response = as_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fdashboard%2F"
    assert as_client.get(reverse("dashboard")).status_code == 302  # really signed out


def test_background_requests_are_answered_but_are_not_activity(as_therapist, settings):
    settings.IDLE_MINUTES = 15
    as_therapist.get(reverse("dashboard"))
    _age_session(as_therapist, 14 * 60)
    badge = as_therapist.get(reverse("safety_alert_badge"), HTTP_X_CONFIDE_BACKGROUND="1")
    assert badge.status_code == 200
    _age_session_by(as_therapist, 2 * 60)  # the badge poll did not reset the clock: 16 minutes idle
    assert as_therapist.get(reverse("safety_alert_badge"), HTTP_X_CONFIDE_BACKGROUND="1").status_code == 302


def test_foreground_requests_are_activity(as_therapist, settings):
    settings.IDLE_MINUTES = 15
    as_therapist.get(reverse("dashboard"))
    _age_session(as_therapist, 14 * 60)
    as_therapist.get(reverse("dashboard"))
    _age_session_by(as_therapist, 2 * 60)
    assert as_therapist.get(reverse("dashboard")).status_code == 200


def _age_session_by(http, seconds: float) -> None:
    session = http.session
    session[LAST_SEEN_KEY] = float(session[LAST_SEEN_KEY]) - seconds
    session.save()


def test_idle_api_call_gets_401_json(as_client):
    as_client.get(reverse("dashboard"))
    _age_session(as_client, 10_000)
    response = as_client.get("/api/me")
    assert response.status_code == 401
    assert "signed out" in response.json()["detail"]


def test_idle_signed_out_page_logs_out(as_client):
    assert as_client.get(reverse("idle_signed_out")).status_code == 200
    assert as_client.get(reverse("dashboard")).status_code == 302


def test_keepalive_needs_post_and_sign_in(client, as_client):
    assert client.post(reverse("keepalive")).status_code == 302
    assert as_client.get(reverse("keepalive")).status_code == 405
    assert as_client.post(reverse("keepalive")).status_code == 204


@pytest.mark.parametrize("role", ["therapist", "staff"])
def test_clinician_without_mfa_is_sent_to_enrol(role):
    user = make_user(f"{role}-nomfa@example.test", role, mfa=False)
    response = logged_in(user).get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_clinician_without_mfa_gets_403_from_the_api():
    user = make_user("t-nomfa@example.test", "therapist", mfa=False)
    response = logged_in(user).get("/api/me")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_clinician_without_mfa_can_still_reach_enrolment_and_public_pages():
    http = logged_in(make_user("t2-nomfa@example.test", "therapist", mfa=False))
    mark_recent_sign_in(http)
    for url in [reverse("mfa_activate_totp"), reverse("home"), reverse("privacy"), reverse("get_help")]:
        assert http.get(url).status_code == 200, url


def test_clinician_with_mfa_reaches_the_dashboard(as_therapist):
    assert as_therapist.get(reverse("dashboard")).status_code == 200


def test_client_without_mfa_is_not_gated(as_client):
    assert as_client.get(reverse("dashboard")).status_code == 200


def test_repeated_failed_sign_ins_are_rate_limited(client, client_user):
    from confide.core.testing.fixtures import PASSWORD

    for i in range(5):
        client.post(reverse("account_login"), {"login": client_user.email, "password": f"wrong-{i}"})
    blocked = client.post(reverse("account_login"), {"login": client_user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused for now


@pytest.mark.parametrize("role", ["therapist", "staff"])
def test_before_enrolling_a_clinician_sees_no_clinical_links_or_badge_poll(role):
    http = logged_in(make_user(f"{role}-links@example.test", role, mfa=False))
    mark_recent_sign_in(http)
    page = http.get(reverse("mfa_activate_totp")).content.decode()
    assert "data-badge-url" not in page  # its poll would be refused (403) every half minute
    assert reverse("safety_alerts") not in page


def test_after_enrolling_the_clinical_links_and_badge_are_back(as_therapist):
    page = as_therapist.get(reverse("home")).content.decode()
    assert "data-badge-url" in page and reverse("safety_alerts") in page
