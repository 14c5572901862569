"""Every response carries privacy-protecting headers; signed-in pages are never cached."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_public_page_headers(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=()" in response["Permissions-Policy"]


def test_signed_in_pages_are_not_stored_by_browsers_or_proxies(as_client):
    assert as_client.get(reverse("dashboard"))["Cache-Control"] == "no-store, private"


def test_no_inline_scripts_or_styles_in_rendered_pages(as_client, client):
    import re

    for http, url in [
        (client, reverse("home")),
        (client, reverse("account_signup")),
        (as_client, reverse("profile")),
        (as_client, reverse("dashboard")),
        (client, reverse("privacy")),
    ]:
        html = http.get(url).content.decode()
        inline_scripts = [s for s in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "application/json" not in s]
        assert inline_scripts == [], url
        assert " style=" not in html, url
        assert re.search(r"\son[a-z]+=\"", html) is None, url


def test_no_page_links_assets_from_another_origin(client):
    import re

    for url in [reverse("home"), reverse("privacy"), reverse("account_login"), reverse("get_help")]:
        html = client.get(url).content.decode()
        assert re.findall(r"(?:src|href)=\"(?:https?:)?//", html) == [], url


def test_htmx_is_configured_for_the_csp(client):
    """No eval, no injected <style>, no style attributes copied while a swap settles (all inline, all refused)."""
    import json
    import re

    page = client.get("/").content.decode()
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1))
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True
    assert "style" not in config["attributesToSettle"]
