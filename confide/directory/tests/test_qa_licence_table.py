"""The therapist's own licence table is reachable by keyboard when it scrolls sideways.

At phone width every table becomes its own horizontal scroll box (confide.css); the licence
table (type, place, number, expiry, status) is wider than a 390 px screen and holds no link or
button, so without a tab stop a keyboard user could never scroll to the status column — the
one that says whether staff verified the licence (axe: scrollable-region-focusable, serious).
"""

from __future__ import annotations

import re

import pytest

from .conftest import add_licence

pytestmark = pytest.mark.django_db


def test_licence_table_on_the_profile_page_takes_keyboard_focus(as_therapist, therapist):
    add_licence(therapist, "US-NY", status="pending")
    response = as_therapist.get("/therapists/me/")
    assert response.status_code == 200
    page = response.content.decode()
    tables = re.findall(r"<table[^>]*>\s*<caption[^>]*>Your licences</caption>", page)
    assert len(tables) == 1, "the profile page lists the therapist's licences in one table"
    assert 'tabindex="0"' in tables[0]
