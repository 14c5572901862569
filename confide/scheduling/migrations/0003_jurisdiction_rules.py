"""Seed telehealth jurisdiction rules (data with effective dates; staff edit them in the admin).

These are *illustrative seed rows* showing the two rule kinds; an operator must
check each against current law and counsel before relying on them.
"""

from datetime import date

from django.db import migrations

SEED_SOURCE = "Seed example shipped with Confide — verify against current law before production use."
RULES = [
    # (jurisdiction, kind, modality, effective_from, explanation)
    (
        "US-AR",
        "requires_prior_video",
        "chat",
        date(2026, 1, 1),
        "In Arkansas your first session with a therapist must be by video before live-chat sessions.",
    ),
    (
        "US-AR",
        "requires_prior_video",
        "audio",
        date(2026, 1, 1),
        "In Arkansas your first session with a therapist must be by video before audio-only sessions.",
    ),
    (
        "US-TX",
        "requires_prior_video",
        "chat",
        date(2026, 1, 1),
        "In Texas your first session with a therapist must be by video before live-chat sessions.",
    ),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("scheduling", "JurisdictionRule")
    for jurisdiction, kind, modality, start, explanation in RULES:
        Rule.objects.get_or_create(
            jurisdiction=jurisdiction,
            kind=kind,
            modality=modality,
            effective_from=start,
            defaults={"explanation": explanation, "source": SEED_SOURCE},
        )


def unseed(apps, schema_editor):
    Rule = apps.get_model("scheduling", "JurisdictionRule")
    Rule.objects.filter(source=SEED_SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_no_overlapping_appointments")]

    operations = [migrations.RunPython(seed, unseed)]
