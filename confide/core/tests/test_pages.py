"""Public pages render for anyone; the dashboard fits each role."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["home", "privacy", "get_help", "account_login", "account_signup"])
def test_public_page_renders_for_anonymous_visitor(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b'href="#main"' in response.content  # skip link on every page


def test_dashboard_requires_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "heading"),
    [("as_client", "Your therapist"), ("as_therapist", "Your caseload"), ("as_staff", "Emergency access reviews")],
)
def test_dashboard_shows_the_role_specific_page(request, persona, heading):
    response = request.getfixturevalue(persona).get(reverse("dashboard"))
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_healthz_reports_database_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_unknown_page_is_a_friendly_404_without_debug_details(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/static/confide/css/confide.css",
        "/static/confide/js/confide.js",
        "/static/confide/js/htmx.min.js",
        "/static/ninja/swagger-ui-bundle.js",
    ],
)
def test_static_assets_are_served_by_the_app_itself(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] in {"text/css", "text/javascript", "application/javascript"}


def test_csrf_failure_is_a_friendly_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_privacy_page_states_the_configured_idle_time(client, settings):
    settings.IDLE_MINUTES = 20
    assert "After 20 minutes without activity" in client.get(reverse("privacy")).content.decode()
