"""Scheduling's part of a client's data export: their appointments and waitlist places.

Times are shown in the client's own zone (``display_zone``) as ISO 8601 with
the offset, so they read as the booking pages show them and stay unambiguous.
Calendar-feed secrets are not exported: they are keys, not data about the client.
"""

from __future__ import annotations

from confide.privacy.audit import AuditEntry, record_events
from confide.scheduling.availability import display_zone
from confide.scheduling.models import Appointment, WaitlistEntry


def collect(ctx, client) -> dict:
    """Called by accounts.transparency.export_client_data (which authorises the export); audits each appointment."""
    zone = display_zone(client)
    appointments = list(Appointment.objects.filter(client=client).select_related("therapist").order_by("start_at"))
    record_events([AuditEntry(ctx, "appointment.export", "appointment", a.pk, client) for a in appointments])
    waits = WaitlistEntry.objects.filter(client=client).select_related("therapist", "appointment_type")
    return {
        "time_zone": zone.key,
        "appointments": [_appointment(a, client, zone) for a in appointments],
        "waitlist": [_wait(w, zone) for w in waits],
    }


def _local(moment, zone) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def _appointment(appointment: Appointment, client, zone) -> dict:
    return {
        "with": appointment.therapist.display_name,
        "type": appointment.get_kind_display(),
        "modality": appointment.get_modality_display(),
        "status": appointment.get_status_display(),
        "start": _local(appointment.start_at, zone),
        "end": _local(appointment.end_at, zone),
        "booked_at": _local(appointment.created_at, zone),
        "my_note": appointment.note,
        "price": f"{appointment.currency} {appointment.price}",
        "cancelled_at": _local(appointment.cancelled_at, zone),
        "cancelled_by": _canceller(appointment, client),
        "cancel_reason": appointment.cancel_reason,
        "late_cancellation": appointment.late_cancellation,
        "fee_due": f"{appointment.currency} {appointment.fee_due}" if appointment.fee_due else None,
    }


def _canceller(appointment: Appointment, client) -> str | None:
    if appointment.cancelled_at is None:
        return None
    if appointment.cancelled_by_id == client.pk:
        return "you"
    return "your therapist" if appointment.cancelled_by_id == appointment.therapist_id else "Confide"


def _wait(entry: WaitlistEntry, zone) -> dict:
    return {
        "with": entry.therapist.display_name,
        "type": entry.appointment_type.get_kind_display(),
        "modality": entry.get_modality_display(),
        "state": entry.get_state_display(),
        "joined_at": _local(entry.created_at, zone),
        "offered_start": _local(entry.offered_start_at, zone),
    }
