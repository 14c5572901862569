"""Filtering the directory in real Chromium: HTMX updates, shareable URL, live count, axe-clean."""

import pytest
from playwright.sync_api import expect

from confide.core.testing.browser import axe_violations, sign_in_with_session
from confide.core.testing.fixtures import make_user

from .conftest import listed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filtering_updates_results_url_and_count_accessibly(page, live_server):
    ana = make_user("ana@example.test", "therapist", name="Ana Anxiety", mfa=False)
    listed(ana, specialties=["anxiety"], languages=["es"])
    ben = make_user("ben@example.test", "therapist", name="Ben Grief", mfa=False)
    listed(ben, specialties=["grief"])

    page.goto("/therapists/?jurisdiction=US-NY")
    assert page.locator("#result-count").inner_text().startswith("2 therapists")
    assert axe_violations(page) == []

    page.get_by_label("Specialty").select_option("anxiety")
    # expect() polls without eval (the page's CSP forbids 'unsafe-eval')
    expect(page.locator("#result-count")).to_contain_text("1 therapist licensed")
    expect(page.locator(".therapist-card h3")).to_have_text(["Ana Anxiety"])
    assert "specialty=anxiety" in page.url
    assert page.locator("#result-count").get_attribute("role") == "status"
    assert axe_violations(page) == []

    page.reload()  # the pushed URL is shareable: same filters after a fresh load
    assert page.get_by_label("Specialty").input_value() == "anxiety"
    assert page.locator(".therapist-card h3").all_inner_texts() == ["Ana Anxiety"]


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("therapist", ["/therapists/me/"]),
        ("client", ["/therapists/match/", "/therapists/", "/dashboard/"]),
        ("staff", ["/staff/licences/"]),
    ],
)
def test_directory_pages_are_accessible_for_each_role(page, live_server, role, paths):
    person = make_user(f"axe-{role}@example.test", role)
    other = make_user("axe-t@example.test", "therapist", name="Listed Therapist", mfa=False)
    listed(other)
    from .conftest import add_licence

    add_licence(other, "US-CA", status="pending")
    sign_in_with_session(page, person, then=None)
    for path in paths:
        response = page.goto(path)
        assert (path, response.status) == (path, 200)
        assert (path, axe_violations(page)) == (path, [])
