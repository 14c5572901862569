"""Crawl every reachable page as each kind of person in real Chromium.

Fails on any request to another origin (CDNs, fonts, analytics — the FTC's
BetterHelp case is what happens otherwise), any CSP violation, any server
error, and any serious or critical axe-core accessibility violation.
"""

from urllib.parse import urljoin, urlsplit

import pytest

from confide.core.testing.browser import axe_violations, sign_in, sign_in_with_session
from confide.core.testing.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SKIP_PREFIXES = ("/accounts/logout", "/account/signed-out", "/admin/", "/api/", "/static/", "/media/")
MAX_PAGES = 40


def _crawl(page, base_url: str, start: str) -> tuple[dict[str, int], dict[str, list]]:
    """Breadth-first over same-origin links, running axe on each page as it is visited (one load a page);
    returns ({path: status}, {path: axe violations} for the pages that have any)."""
    seen: dict[str, int] = {}
    problems: dict[str, list] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(path)
        seen[path] = response.status if response else 0
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urljoin(base_url + path, href))
            if target.netloc == urlsplit(base_url).netloc and not target.path.startswith(SKIP_PREFIXES):
                queue.append(target.path)
        violations = axe_violations(page)
        if violations:
            problems[path] = violations
    return seen, problems


def _check_pages(page, live_server, start: str) -> dict[str, int]:
    statuses, problems = _crawl(page, live_server.url, start)
    assert [p for p, s in statuses.items() if s >= 500] == []
    assert problems == {}
    return statuses


def test_anonymous_pages_load_nothing_external_and_are_accessible(page, live_server):
    statuses = _check_pages(page, live_server, "/")
    assert {"/", "/privacy/", "/help/", "/accounts/login/", "/accounts/signup/"} <= set(statuses)


@pytest.mark.parametrize(("role", "mfa"), [("client", False), ("therapist", True), ("staff", True)])
def test_signed_in_pages_load_nothing_external_and_are_accessible(page, live_server, role, mfa):
    sign_in(page, make_user(f"crawl-{role}@example.test", role, mfa=mfa))
    statuses = _check_pages(page, live_server, "/dashboard/")
    assert statuses["/dashboard/"] == 200


def test_phone_width_dashboard_has_no_horizontal_scroll(browser_context, live_server):
    from confide.core.testing.browser import new_guarded_page

    user = make_user("phone@example.test", "client")
    browser_context.close()
    context = browser_context.browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = new_guarded_page(context, live_server.url)
    sign_in_with_session(page, user)  # the form itself: test_signed_in_pages_... above, for each persona
    for path in ["/dashboard/", "/account/profile/", "/privacy/", "/"]:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
    assert page.guard.external == [] and page.guard.csp_violations == []
    context.close()


def test_the_checkers_themselves_catch_problems(chromium, live_server):
    """Guard against a silently broken safety net: axe and the origin guard must fire."""
    from confide.core.testing.browser import PageGuard

    page = chromium.new_page()
    guard = PageGuard(live_server.url)
    page.on("request", guard.on_request)
    page.goto(live_server.url + "/")
    page.set_content('<html><body><input type="text"><img src="https://cdn.example.invalid/x.png"></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"label"}
    assert guard.external == ["https://cdn.example.invalid/x.png"]
    page.close()
