"""The visit pages keep to the CSP (style-src 'self'): no inline style anywhere, written by a template or by JS.

A style attribute, a <style> element or a style set through setAttribute/cssText
is refused by the browser and logged as a CSP error; looks go in visit.css as classes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from confide.privacy.audit import RequestContext
from confide.telehealth.services import lifecycle

TELEHEALTH = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((TELEHEALTH / "templates" / "telehealth").glob("*.html"))
SCRIPTS = sorted((TELEHEALTH / "static" / "telehealth").glob("*.js"))
INLINE_STYLE_HTML = re.compile(r"""\sstyle\s*=|<style[\s>]""", re.IGNORECASE)
INLINE_STYLE_JS = re.compile(
    r"""setAttribute\(\s*["']style["']|\.style\s*(\.|\[|=)|cssText|insertRule|<style|style=""", re.IGNORECASE
)


def test_there_are_visit_templates_and_scripts_to_check():
    assert {"room.html", "record.html", "_start.html"} <= {path.name for path in TEMPLATES}
    assert [path.name for path in SCRIPTS] == ["visit.js"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_visit_templates_have_no_style_attribute_or_element(path):
    assert INLINE_STYLE_HTML.findall(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_visit_scripts_never_write_an_inline_style(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [n for n, line in enumerate(lines, 1) if INLINE_STYLE_JS.search(line)] == []


def _assert_no_inline_style(html: str, where: str) -> None:
    assert INLINE_STYLE_HTML.findall(html) == [], where
    inline_scripts = [s for s in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "application/json" not in s]
    assert inline_scripts == [], where


@pytest.mark.django_db
def test_every_visit_page_as_served_has_no_inline_style(as_client, as_therapist, appointment):
    room = reverse("visit_room", args=[appointment.pk])
    start = reverse("visit_start", args=[appointment.pk])
    pages = {
        "client room": as_client.get(room),
        "therapist room": as_therapist.get(room),
        "start form errors": as_therapist.post(start, {"jurisdiction": ""}, HTTP_HX_REQUEST="true"),
        "started panel": as_therapist.post(
            start, {"jurisdiction": "US-NY", "emergency_contact_confirmed": "on"}, HTTP_HX_REQUEST="true"
        ),
        "backup phone": as_therapist.get(reverse("visit_backup_phone", args=[appointment.pk])),
        "therapist room, started": as_therapist.get(room),
    }
    lifecycle.end_visit(RequestContext(user=appointment.therapist), lifecycle.visit_for(appointment))
    pages["therapist record"] = as_therapist.get(room)
    pages["client record"] = as_client.get(room)
    for where, response in pages.items():
        assert response.status_code == 200, where
        _assert_no_inline_style(response.content.decode(), where)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], where
