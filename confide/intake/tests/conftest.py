"""Intake test helpers."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from confide.intake.models import ConsentDocument

CONSENT_V1 = Path(__file__).resolve().parents[1] / "data" / "consent" / "telehealth-v1.txt"


def ensure_consent_v1() -> ConsentDocument:
    """The consent version that migration 0002 publishes, for transactional (browser) tests.

    A transactional test after the database was flushed cannot count on data migrations: on this
    project's set-up ``serialized_rollback`` restores nothing once Playwright's event loop is running
    (Django then uses a new connection object without the serialized copy of the database).
    """
    title, _, body = CONSENT_V1.read_text(encoding="utf-8").partition("\n")
    document, _ = ConsentDocument.objects.get_or_create(
        kind="telehealth",
        version=1,
        defaults={"title": title.strip(), "body": body.strip(), "published_at": timezone.now()},
    )
    return document
