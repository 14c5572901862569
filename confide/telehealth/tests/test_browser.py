"""Two real Chromium contexts (fake camera and microphone) in one visit, served over ASGI.

The therapist admits; both see remote video playing; mute and camera-off reach
the other side; the client reloads and the call recovers; the therapist confirms
the location, ends the visit, and the appointment records actual times. Then:
media that can never connect falls back to the in-page chat (and the therapist
gets the backup phone), and a call survives a network change (ICE restart) and
a dead transport on one side.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from confide.core.testing.browser import axe_violations, new_guarded_page, sign_in_with_session
from confide.scheduling.models import Appointment, Status
from confide.telehealth.models import Segment
from confide.telehealth.tests.conftest import license_therapist, make_appointment, make_ready

pytestmark = [pytest.mark.browser]

FRAMES_DECODED = """async () => {
  const pc = window.confideVisit && window.confideVisit.pc();
  if (!pc) return 0;
  let frames = 0;
  (await pc.getStats()).forEach(s => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
  });
  return frames;
}"""


CALL_STATE = """async () => {
  const pc = window.confideVisit.pc();
  const out = {state: pc && pc.connectionState, signaling: pc && pc.signalingState, inbound: []};
  if (pc) (await pc.getStats()).forEach(s => {
    if (s.type === 'inbound-rtp') out.inbound.push([s.kind, s.framesDecoded, s.packetsReceived]);
  });
  out.status = document.getElementById('visit-status').textContent;
  out.ice = pc && pc.iceConnectionState;
  out.state_ = JSON.stringify(window.confideVisit.state);
  return out;
}"""


SIGNALLING: list = []  # frames of the current test, printed when a call gets stuck


def record_signalling(page, name: str) -> None:
    def on_socket(ws) -> None:
        for event, arrow in (("framesent", ">"), ("framereceived", "<")):
            ws.on(event, lambda p, a=arrow: SIGNALLING.append(f"{time.monotonic():.3f} {name}{a} {str(p)[:100]}"))

    page.on("websocket", on_socket)


FRESH_FRAMES = 5  # a quarter of a second of the fake camera (~20 fps): media flows, not one stray frame


def remote_video_playing(page) -> None:
    """videoWidth > 0 and framesDecoded rising by FRESH_FRAMES (polled: no fixed one-second wait)."""
    try:
        page.wait_for_function("() => document.getElementById('remote-video').videoWidth > 0", timeout=15_000)
    except Exception as exc:  # say where the call got stuck
        raise AssertionError(f"{page.evaluate(CALL_STATE)}\n" + "\n".join(SIGNALLING)) from exc
    before = after = page.evaluate(FRAMES_DECODED)
    deadline = time.monotonic() + 10  # getStats() is async: wait_for_function cannot poll it
    while after < before + FRESH_FRAMES and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        after = page.evaluate(FRAMES_DECODED)
    debug = page.evaluate(CALL_STATE)
    assert after >= before + FRESH_FRAMES, (before, after, debug)


def test_admit_call_mute_camera_reload_and_end(asgi_page, asgi_live_server, client_user, therapist):
    make_ready(client_user)
    license_therapist(therapist, "US-NY")
    appointment = make_appointment(client_user, therapist)
    room = f"/visits/{appointment.pk}/"

    therapist_page = asgi_page
    context = asgi_page.context.browser.new_context(
        base_url=asgi_live_server.url, viewport={"width": 1000, "height": 800}
    )
    client_page = new_guarded_page(context, asgi_live_server.url)
    client_page.set_default_timeout(15_000)
    try:
        sign_in_with_session(therapist_page, therapist)
        sign_in_with_session(client_page, client_user)
        SIGNALLING.clear()
        record_signalling(therapist_page, "T")
        record_signalling(client_page, "C")
        therapist_page.goto(room)
        therapist_page.get_by_text("The room is open.").wait_for()  # see open_call: one writer at a time
        client_page.goto(room)
        assert axe_violations(client_page) == []
        client_page.get_by_role("button", name="Join the waiting room").click()
        therapist_page.get_by_role("button", name="Admit").wait_for()
        assert axe_violations(therapist_page) == []
        therapist_page.get_by_role("button", name="Admit").click()

        remote_video_playing(therapist_page)
        remote_video_playing(client_page)

        client_page.get_by_role("button", name="Mute microphone").click()
        therapist_page.wait_for_function("() => document.getElementById('peer-state').dataset.audio === 'false'")
        client_page.get_by_role("button", name="Turn camera off").click()
        therapist_page.wait_for_function("() => document.getElementById('peer-state').dataset.video === 'false'")
        assert therapist_page.get_by_text("has their camera off").is_visible()

        client_page.reload()  # the client's page comes back into the call by itself
        remote_video_playing(client_page)
        remote_video_playing(therapist_page)

        therapist_page.select_option("#id_jurisdiction", "US-NY")
        therapist_page.get_by_label("I confirmed the client's emergency contact").check()
        therapist_page.get_by_role("button", name="Confirm and start the visit").click()
        therapist_page.get_by_text("Location and emergency contact confirmed").wait_for()
        therapist_page.once("dialog", lambda dialog: dialog.accept())
        therapist_page.get_by_role("button", name="End visit").click()
        therapist_page.wait_for_url(f"**/appointments/{appointment.pk}/")
        client_page.get_by_text("The visit has ended").first.wait_for()
        # said once on screen: the notice with the record link, not again in the status line
        assert client_page.locator("#visit-ended").is_visible()
        assert "ended" not in client_page.locator("#visit-status").inner_text()
        assert client_page.locator("#chat-input").is_disabled()
        assert client_page.guard.external == [] and client_page.guard.csp_violations == []
    finally:
        context.close()

    appointment = Appointment.objects.get(pk=appointment.pk)
    assert appointment.status == Status.COMPLETED
    assert appointment.actual_start_at is not None and appointment.actual_end_at >= appointment.actual_start_at
    modalities = set(Segment.objects.filter(visit__appointment=appointment).values_list("modality", flat=True))
    assert "video" in modalities and "audio" in modalities


# --- when media cannot be established, and when it breaks ------------------------------------------

CANDIDATE_LINE = re.compile(r"^a=(candidate|end-of-candidates).*\r?\n", re.MULTILINE)


def block_ice_candidates(page) -> None:
    """Pass the signalling socket through, minus every ICE candidate (trickled or inside the SDP).

    With no candidates on either side ICE has nothing to check, exactly as on a network
    that blocks UDP and has no TURN server: media can never be established. Only the
    test's view of the socket changes; the page and the server run their real code.
    """

    def strip(message: str) -> str | None:
        frame = json.loads(message)
        if frame.get("type") == "candidate":
            return None
        if isinstance(frame.get("sdp"), str):
            frame["sdp"] = CANDIDATE_LINE.sub("", frame["sdp"])
        return json.dumps(frame)

    def route(ws) -> None:
        server = ws.connect_to_server()

        def to_server(message) -> None:
            out = strip(message)
            if out is not None:
                server.send(out)

        def to_page(message) -> None:
            out = strip(message)
            if out is not None:
                ws.send(out)

        ws.on_message(to_server)
        server.on_message(to_page)

    page.route_web_socket(re.compile(r"/ws/visits/$"), route)


def open_call(asgi_page, asgi_live_server, client_user, therapist, *, before_goto=None):
    """Both signed in, client joins, therapist admits; returns (therapist_page, client_page, context, appointment)."""
    make_ready(client_user)
    license_therapist(therapist, "US-NY")
    appointment = make_appointment(client_user, therapist)
    room = f"/visits/{appointment.pk}/"
    context = asgi_page.context.browser.new_context(
        base_url=asgi_live_server.url, viewport={"width": 1000, "height": 800}
    )
    client_page = new_guarded_page(context, asgi_live_server.url)
    client_page.set_default_timeout(15_000)
    sign_in_with_session(asgi_page, therapist)
    sign_in_with_session(client_page, client_user)
    SIGNALLING.clear()
    record_signalling(asgi_page, "T")
    record_signalling(client_page, "C")
    if before_goto:
        before_goto(asgi_page, client_page)

    # One step at a time: the in-memory SQLite test database refuses concurrent writers
    # ("database table is locked"), so the therapist's socket is in before the client's page loads.
    asgi_page.goto(room)
    asgi_page.get_by_text("The room is open.").wait_for()
    client_page.goto(room)
    client_page.get_by_role("button", name="Join the waiting room").click()
    asgi_page.get_by_role("button", name="Admit").click()
    return asgi_page, client_page, context, appointment


def test_media_impossible_falls_back_to_chat_in_the_same_page(asgi_page, asgi_live_server, client_user, therapist):
    def prepare(therapist_page, client_page):
        block_ice_candidates(client_page)  # every frame to and from the client passes here
        therapist_page.clock.install()
        client_page.clock.install()

    therapist_page, client_page, context, appointment = open_call(
        asgi_page, asgi_live_server, client_user, therapist, before_goto=prepare
    )
    try:
        for page in (therapist_page, client_page):
            page.get_by_role("button", name="Mute microphone").wait_for()  # in the call view
            page.wait_for_timeout(1500)  # offer/answer done, ICE has nothing to try
            assert page.evaluate("() => window.confideVisit.state.connected") is False
            assert page.locator("#media-failed").is_hidden()
            page.clock.fast_forward(16_000)  # past the set-up limit, without waiting for it
        for page in (therapist_page, client_page):
            page.locator("#media-failed").get_by_text("We could not connect video or audio").wait_for()
        # the therapist sees the backup phone, as the telehealth consent promised
        therapist_page.get_by_text("Phone where the client is").wait_for()
        client_page.get_by_label("Message").fill("Can you hear me? I can only type.")
        client_page.get_by_label("Message").press("Enter")
        therapist_page.locator("#chat-log").get_by_text("I can only type").wait_for()
        therapist_page.get_by_label("Message").fill("Yes, let's continue here.")
        therapist_page.get_by_role("button", name="Send").click()
        client_page.locator("#chat-log").get_by_text("continue here").wait_for()
        assert client_page.guard.external == [] and client_page.guard.csp_violations == []
    finally:
        context.close()
    modalities = set(Segment.objects.filter(visit__appointment=appointment).values_list("modality", flat=True))
    assert modalities == {"chat"}


def test_call_recovers_after_a_network_change_and_after_a_broken_connection(
    asgi_page, asgi_live_server, client_user, therapist
):
    therapist_page, client_page, context, _ = open_call(asgi_page, asgi_live_server, client_user, therapist)
    ufrag = "() => (window.confideVisit.pc().remoteDescription.sdp.match(/a=ice-ufrag:(\\S+)/) || [])[1]"
    try:
        remote_video_playing(therapist_page)
        # 1. network change on the client (Wi-Fi to mobile): an ICE restart on the same connection
        before = therapist_page.evaluate(ufrag)
        connection = therapist_page.evaluate_handle("() => window.confideVisit.pc()")
        client_page.evaluate("() => window.dispatchEvent(new Event('online'))")
        therapist_page.wait_for_function(f"before => ({ufrag})() !== before", arg=before)
        assert therapist_page.evaluate("c => c === window.confideVisit.pc()", connection) is True
        remote_video_playing(therapist_page)
        # 2. the therapist's transport dies outright: the client's ICE goes "disconnected", it restarts
        #    ICE, the therapist's page answers with a fresh connection, and media flows both ways again
        therapist_page.evaluate("() => window.confideVisit.pc().close()")
        client_page.wait_for_function("() => !window.confideVisit.state.connected")
        therapist_page.wait_for_function(
            "() => window.confideVisit.pc().signalingState !== 'closed' && window.confideVisit.state.connected"
        )
        remote_video_playing(therapist_page)
        remote_video_playing(client_page)
    finally:
        context.close()
