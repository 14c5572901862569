"""Real Chromium (Debian package) driven by Playwright, for end-to-end tests.

Every page opened through the ``page`` fixture fails its test if it requests
anything from another origin (no CDNs, fonts, analytics — ever) or if the
browser reports a Content-Security-Policy violation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from confide.core.testing.services import CHROMIUM_PATH, chromium_available, need

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
AXE_PATH = Path(__file__).resolve().parents[3] / "tests" / "vendor" / "axe.min.js"


@pytest.fixture(scope="session")
def chromium():
    need(chromium_available(), f"Chromium at {CHROMIUM_PATH} (apt-get install -y chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageGuard:
    """Collects requests to other origins and CSP violations while a page is used."""

    def __init__(self, base_url: str):
        self.origin = _origin(base_url)
        self.external: list[str] = []
        self.csp_violations: list[str] = []

    def on_request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if _origin(url) != self.origin and _origin(url).replace("localhost", "127.0.0.1") != self.origin:
            self.external.append(url)

    def on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


@pytest.fixture
def browser_context(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(browser_context, live_server):
    page = new_guarded_page(browser_context, live_server.url)
    yield page
    assert_no_violations(page)


def new_guarded_page(context, base_url: str):
    """A page (one more person, or the ``page`` fixture's) that records other-origin requests and CSP
    violations in ``page.guard``; the fixtures check it with ``assert_no_violations``."""
    guard = PageGuard(base_url)
    context.on("request", guard.on_request)
    page = context.new_page()
    page.on("console", guard.on_console)
    page.set_default_timeout(15_000)
    page.guard = guard
    return page


def assert_no_violations(page) -> None:
    assert page.guard.external == [], f"pages requested other origins: {page.guard.external}"
    assert page.guard.csp_violations == [], f"CSP violations: {page.guard.csp_violations}"


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page (injected over DevTools, so the page's CSP stays on)."""
    source = AXE_PATH.read_text(encoding="utf-8")
    page.evaluate("(src) => { (0, eval)(src); }", source)
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    violations = json.loads(result)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in violations
        if v["impact"] in impacts
    ]


def fresh_totp_code(secret: str, *, margin_seconds: float = 5.0) -> str:
    """The authenticator's code, from a 30-s step with at least ``margin_seconds`` left.

    The server accepts only the current step: a code typed in the last moment
    of its step was refused when the step changed before the form arrived (a
    flaky sign-in on a busy machine, about 1 in 50).
    """
    import time

    import pyotp

    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < margin_seconds:
        time.sleep(left + 0.05)
    return totp.now()


def sign_in(page, user) -> None:
    """Sign a persona in through the real login form (and its TOTP step for clinicians)."""
    import re

    from confide.core.testing.fixtures import PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:  # clinicians confirm with their authenticator
        page.locator("input[name=code]").fill(fresh_totp_code(user._totp_secret))
        page.get_by_role("button", name=re.compile("Sign In|Authenticate|Verify", re.I)).click()
    page.wait_for_url("**/dashboard/")


def sign_in_with_session(page, user, *, then: str | None = "/dashboard/") -> None:
    """Hand the page's browser a fresh signed-in session of ``user`` (as ``force_login`` makes it), then
    open ``then`` — where ``sign_in`` leaves the page.

    For tests about something other than signing in. The real form, with the TOTP step for clinicians,
    is ``sign_in``'s job and keeps its own tests: the crawl signs each persona in through it, and the
    account journeys and the passkey test sign up, fail, enrol, go idle and sign in through the real
    pages. Skipping the form here saves ~0.5 s a person, and up to 5 s for a clinician whose TOTP step
    is about to change.
    """
    from django.conf import settings

    from confide.core.testing.fixtures import logged_in

    session = logged_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": page.guard.origin, "httpOnly": True}]
    )
    if then is not None:
        page.goto(then)
