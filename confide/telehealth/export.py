"""Telehealth's part of a client's data export: their visits, modality segments and in-session chat."""

from __future__ import annotations

from confide.privacy.audit import record_event
from confide.telehealth.models import Visit


def collect(ctx, client) -> dict:
    """Called by accounts.transparency.export_client_data (which authorises the export); audits each visit."""
    visits = []
    for visit in Visit.objects.filter(appointment__client=client).select_related("appointment__therapist"):
        record_event(ctx, "visit.export", object_type="visit", object_id=visit.pk, subject=client)
        visits.append(_visit(visit, client))
    return {"visits": visits}


def _visit(visit: Visit, client) -> dict:
    appointment = visit.appointment
    return {
        "with": appointment.therapist.display_name,
        "booked_start": appointment.start_at.isoformat(),
        "modality": appointment.modality,
        "started_at": visit.started_at.isoformat() if visit.started_at else None,
        "ended_at": visit.ended_at.isoformat() if visit.ended_at else None,
        "location_confirmed": visit.location,
        "segments": [
            {
                "modality": s.modality,
                "start": s.started_at.isoformat(),
                "end": s.ended_at.isoformat() if s.ended_at else None,
            }
            for s in visit.segments.all()
        ],
        "chat": [
            {"from": "you" if m.sender_id == client.pk else "therapist", "at": m.created_at.isoformat(), "text": m.body}
            for m in visit.chat_messages.all()
        ],
    }
