"""TURN credentials in coturn's shared-secret (REST API) scheme, checked against independent maths."""

from __future__ import annotations

import base64
import hashlib
import hmac

from confide.telehealth import ice


class Person:
    public_id = "4f1c2d3e-0000-4000-8000-000000000001"


def test_known_vector():
    # Computed independently: HMAC-SHA1(key="north", msg="1700003600:4f1c…0001"), base64.
    username = "1700003600:4f1c2d3e-0000-4000-8000-000000000001"
    expected = base64.b64encode(hmac.new(b"north", username.encode(), hashlib.sha1).digest()).decode()
    assert ice.turn_credential("north", username) == expected
    # and a fixed vector from RFC 2202 test case 2 (key "Jefe"), base64 of 0xeffcdf6ae5eb2fa2d27416d5f184df9c259a7c79
    assert ice.turn_credential("Jefe", "what do ya want for nothing?") == "7/zfauXrL6LSdBbV8YTfnCWafHk="


def test_servers_from_settings(settings):
    settings.STUN_URLS = ["stun:turn.example.test:3478"]
    settings.TURN_URLS = ["turn:turn.example.test:3478?transport=udp", "turns:turn.example.test:5349"]
    settings.TURN_SECRET, settings.TURN_TTL_SECONDS = "north", 3600
    servers = ice.ice_servers_for(Person(), now=1700000000.9)
    assert servers == [
        {"urls": ["stun:turn.example.test:3478"]},
        {
            "urls": ["turn:turn.example.test:3478?transport=udp", "turns:turn.example.test:5349"],
            "username": "1700003600:4f1c2d3e-0000-4000-8000-000000000001",
            "credential": ice.turn_credential("north", "1700003600:4f1c2d3e-0000-4000-8000-000000000001"),
        },
    ]


def test_no_turn_without_secret(settings):
    settings.STUN_URLS, settings.TURN_URLS, settings.TURN_SECRET = [], ["turn:x.example.test"], ""
    assert ice.ice_servers_for(Person()) == []
