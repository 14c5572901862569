"""The ASGI test server really serves the project and shares the test database."""

import urllib.request

import pytest

from confide.core.testing.asgi import session_cookie_header


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 — loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def test_asgi_server_sees_users_created_by_the_test(asgi_live_server, client_user):
    status, body = _get(asgi_live_server.url + "/dashboard/", session_cookie_header(client_user))
    assert status == 200
    assert "Casey" in body


@pytest.mark.browser
def test_asgi_page_loads_static_assets_from_the_same_origin(asgi_page):
    asgi_page.goto("/")
    assert asgi_page.evaluate("typeof htmx") == "object"
