"""The directory's part of a client's data export: their matching questionnaires."""

from __future__ import annotations

from confide.directory.models import MatchingAnswers


def collect(ctx, client) -> dict:
    """Called by accounts.transparency.export_client_data (which authorises and audits the export)."""
    return {
        "matching_answers": [
            {"submitted_at": row.created_at.isoformat(), "answers": row.answers}
            for row in MatchingAnswers.objects.filter(client=client)
        ]
    }
