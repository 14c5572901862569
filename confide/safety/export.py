"""Safety's part of a client's data export: the safety events about them.

Exported: what the plain columns hold (level, source, status, when opened and
closed). Not exported: the therapist's follow-up note (``close_note``) and the
reasons — the clinician's record of their assessment, which the policies keep
for the treating therapist (``can_read_safety_details``); the client has no
permission that reaches them. ``trigger_text`` is the client's own words,
already in the messaging and intake sections where they were written.
"""

from __future__ import annotations

from confide.privacy.audit import AuditEntry, record_events
from confide.safety.models import SafetyEvent


def collect(ctx, client) -> dict:
    """Called by accounts.transparency.export_client_data (which authorises the export); audits each event."""
    events = list(SafetyEvent.objects.filter(client=client).order_by("created_at"))
    record_events([AuditEntry(ctx, "safety_event.export", "safety_event", e.pk, client) for e in events])
    return {"safety_events": [_event(e) for e in events]}


def _event(event: SafetyEvent) -> dict:
    return {
        "level": event.get_level_display(),
        "source": event.get_source_display(),
        "status": event.get_status_display(),
        "created_at": event.created_at.isoformat(),
        "closed_at": event.closed_at.isoformat() if event.closed_at else None,
    }
