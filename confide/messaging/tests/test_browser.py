"""Real Chromium over real WebSockets (uvicorn in the test process): live chat, crisis resources, no-JS fallback."""

import pytest
from playwright.sync_api import expect

from confide.core.testing.browser import axe_violations, new_guarded_page, sign_in_with_session
from confide.messaging.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def both_live(asgi_page, chromium, asgi_live_server, url: str, client_user, therapist):
    """Client and therapist signed in, each on the conversation page with live chat connected.

    One page at a time: the in-memory SQLite test database (shared cache) does not wait for locks.
    Returns (client page, therapist page, the therapist's browser context to close).
    """
    client_page = asgi_page
    sign_in_with_session(client_page, client_user)
    other_context = chromium.new_context(base_url=asgi_live_server.url)
    therapist_page = new_guarded_page(other_context, asgi_live_server.url)
    therapist_page.set_default_timeout(15_000)
    sign_in_with_session(therapist_page, therapist)
    client_page.goto(url)
    expect(client_page.locator("[data-connection]")).to_have_text("Live")
    therapist_page.goto(url)
    expect(therapist_page.locator("[data-connection]")).to_have_text("Live")
    return client_page, therapist_page, other_context


def test_client_and_therapist_chat_live_and_client_sees_crisis_resources(
    asgi_page, chromium, asgi_live_server, conversation, client_user, therapist
):
    url = f"/messages/{conversation.pk}/"
    client_page, therapist_page, other_context = both_live(
        asgi_page, chromium, asgi_live_server, url, client_user, therapist
    )
    expect(client_page.locator("[data-presence]")).to_contain_text("is online")

    client_page.get_by_label("Message to Dr Tess Rivera").fill("Hello from the browser")
    client_page.get_by_role("button", name="Send").click()
    expect(therapist_page.locator("[data-chat-log]")).to_contain_text("Hello from the browser")  # no reload
    expect(therapist_page.locator("[data-chat-live]")).to_contain_text("Hello from the browser")
    expect(client_page.locator("li.msg-mine [data-state]").last).to_have_text("· Read")

    therapist_page.get_by_label("Message to Casey").fill("Hello Casey, I am here")
    therapist_page.get_by_role("button", name="Send").click()
    expect(client_page.locator("[data-chat-log]")).to_contain_text("Hello Casey, I am here")

    client_page.get_by_label("Message to Dr Tess Rivera").fill("I want to kill myself tonight")
    client_page.get_by_role("button", name="Send").click()
    crisis = client_page.locator("[data-crisis]")
    expect(crisis).to_contain_text("988")
    expect(crisis).to_have_attribute("role", "alert")
    assert axe_violations(client_page) == []
    client_page.set_viewport_size({"width": 360, "height": 740})
    overflow = client_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # works on a phone
    assert Message.objects.count() == 3
    assert therapist_page.guard.external == [] and therapist_page.guard.csp_violations == []
    other_context.close()


def test_form_fallback_works_without_javascript(chromium, asgi_live_server, conversation, client_user):
    context = chromium.new_context(base_url=asgi_live_server.url, java_script_enabled=False)
    page = new_guarded_page(context, asgi_live_server.url)
    page.set_default_timeout(15_000)
    sign_in_with_session(page, client_user)
    page.goto(f"/messages/{conversation.pk}/")
    page.get_by_label("Message to Dr Tess Rivera").fill("Sent without JavaScript")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("[data-chat-log]")).to_contain_text("Sent without JavaScript")
    assert list(Message.objects.values_list("body", flat=True)) == ["Sent without JavaScript"]
    assert page.guard.external == [] and page.guard.csp_violations == []
    context.close()


def test_a_message_lost_on_the_bus_still_reaches_a_quiet_page_within_a_check(
    asgi_page, chromium, asgi_live_server, conversation, client_user, therapist, monkeypatch
):
    """The channel layer is best effort; the page catches up from the once-a-minute head (here every 0.5 s)."""
    from confide.messaging import consumers, frames

    async def lost_on_the_bus(publications) -> None:
        return None

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.5)
    monkeypatch.setattr(frames, "publish_all", lost_on_the_bus)
    url = f"/messages/{conversation.pk}/"
    client_page, therapist_page, other_context = both_live(
        asgi_page, chromium, asgi_live_server, url, client_user, therapist
    )

    therapist_page.get_by_label("Message to Casey").fill("Checking in after our session")
    therapist_page.get_by_role("button", name="Send").click()
    expect(therapist_page.locator("li.msg-mine [data-state]").last).not_to_have_text("Sending…")
    expect(client_page.locator("[data-chat-log]")).to_contain_text("Checking in after our session")  # no reload
    expect(client_page.locator("[data-chat-log] li.msg")).to_have_count(1)  # once, not twice
    other_context.close()


def test_a_peer_whose_server_died_without_a_goodbye_is_shown_offline_after_its_presence_lapses(
    asgi_page, chromium, asgi_live_server, conversation, client_user, therapist, monkeypatch
):
    from confide.messaging import consumers

    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.4)  # presence lasts 1 s without renewal
    url = f"/messages/{conversation.pk}/"
    client_page, therapist_page, other_context = both_live(
        asgi_page, chromium, asgi_live_server, url, client_user, therapist
    )
    expect(client_page.locator("[data-presence]")).to_contain_text("is online")
    client_page.wait_for_timeout(1500)  # longer than the lapse: the renewals keep it online
    expect(client_page.locator("[data-presence]")).to_contain_text("is online")

    async def silent(self, **kwargs) -> None:  # the therapist's server "dies": no goodbye, no renewals
        return None

    monkeypatch.setattr(consumers.ChatConsumer, "_announce", silent)
    other_context.close()
    expect(client_page.locator("[data-presence]")).to_contain_text("is offline", timeout=5_000)


def test_a_message_the_server_will_never_take_comes_back_to_the_box_without_a_retry(
    asgi_page, asgi_live_server, conversation, client_user
):
    """Too long for a chat message: refused before sending; and if the page's check is bypassed, the
    server's refusal gives the text back instead of a Retry that can never succeed."""
    page = asgi_page
    sign_in_with_session(page, client_user)
    page.goto(f"/messages/{conversation.pk}/")
    expect(page.locator("[data-connection]")).to_have_text("Live")
    box = page.get_by_label("Message to Dr Tess Rivera")
    long_text = "word " * 900 + "end"  # 4,503 characters; the limit is 4,000

    page.evaluate("document.querySelector('[data-chat-form] textarea').removeAttribute('maxlength')")  # a paste tool
    box.fill(long_text)
    page.get_by_role("button", name="Send").click()
    problem = page.locator("[data-chat-problem]")
    expect(problem).to_contain_text("at most 4,000 characters long (this one has 4,503)")
    expect(page.locator("[data-chat-log] li.msg")).to_have_count(0)

    page.evaluate("document.querySelector('[data-chat-form] textarea').removeAttribute('data-max-chars')")
    page.get_by_role("button", name="Send").click()
    expect(problem).to_contain_text("can be at most 4,000 characters long. Your text is back in the box.")
    expect(box).to_have_value(long_text)
    expect(page.locator("[data-retry]")).to_have_count(0)
    expect(page.locator("[data-chat-log] li.msg")).to_have_count(0)
    assert Message.objects.count() == 0


def test_a_live_message_shows_its_time_as_the_page_does_after_a_reload(
    asgi_page, asgi_live_server, conversation, client_user
):
    client_user.time_zone = "Pacific/Auckland"  # far from the browser's and the server's zones
    client_user.save(update_fields=["time_zone"])
    page = asgi_page
    sign_in_with_session(page, client_user)
    page.goto(f"/messages/{conversation.pk}/")
    expect(page.locator("[data-connection]")).to_have_text("Live")
    page.get_by_label("Message to Dr Tess Rivera").fill("What time is it there?")
    page.get_by_role("button", name="Send").click()
    mine = page.locator("li.msg-mine").last
    expect(mine.locator("[data-state]")).not_to_have_text("Sending…")
    live_time = mine.locator("time").inner_text()
    page.reload()
    assert page.locator("li.msg-mine time").last.inner_text() == live_time
