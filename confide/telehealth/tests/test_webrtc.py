"""A real WebRTC call between two aiortc peers through the real signalling server (uvicorn, real sockets)."""

from __future__ import annotations

import asyncio

from confide.core.testing.asgi import outside_playwright_loop, session_cookie_header
from confide.privacy.audit import RequestContext
from confide.telehealth.services.lifecycle import visit_for
from confide.telehealth.services.tokens import mint_join_token
from confide.telehealth.tests import peers
from confide.telehealth.tests.conftest import license_therapist, make_appointment, make_ready


def _ticket(user, appointment) -> tuple[str, str]:
    return mint_join_token(RequestContext(user=user), visit_for(appointment)), session_cookie_header(user)


def test_two_aiortc_peers_establish_dtls_srtp_and_exchange_media(asgi_live_server, client_user, therapist):
    make_ready(client_user)
    license_therapist(therapist, "US-NY")
    appointment = make_appointment(client_user, therapist)
    therapist_ticket, client_ticket = _ticket(therapist, appointment), _ticket(client_user, appointment)
    peers.loopback_only()

    async def call():
        t, c = await peers.join_both(asgi_live_server.ws_url, asgi_live_server.url, therapist_ticket, client_ticket)
        setup_seconds = await peers.admit_and_connect(t, c)
        await asyncio.sleep(1.0)
        result = {
            "setup": setup_seconds,
            "dtls": (peers.dtls_states(t.pc), peers.dtls_states(c.pc)),
            "frames": (dict(t.frames), dict(c.frames)),
            "srtp": all(
                tr.sender.transport._tx_srtp is not None for tr in (*t.pc.getTransceivers(), *c.pc.getTransceivers())
            ),
        }
        await peers.hang_up(t, c)
        return result

    with outside_playwright_loop():
        result = asyncio.run(call())
    assert result["dtls"] == ({"connected"}, {"connected"})
    assert result["srtp"] is True
    for received in result["frames"]:
        assert received["video"] >= 10 and received["audio"] >= 10, result["frames"]
    assert result["setup"] < 5
