"""What a client can see and take about themselves: who accessed their record, and a data export.

Each app may add its data to the export with ``confide/<app>/export.py`` defining
``collect(ctx, client) -> dict`` (it must authorise and audit its own reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from confide.accounts import policies
from confide.accounts.models import CareRelationship, Role, User
from confide.accounts.services import read_client_identity
from confide.core.plugins import optional_app_module
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.privacy.models import AuditEvent

EXPORT_APPS = ("directory", "intake", "safety", "scheduling", "messaging", "telehealth", "records", "billing")

ACTION_LABELS = {
    "client_identity.view": "Viewed your identity details",
    "client_identity.update": "Changed your identity details",
    "emergency_access.open": "Opened emergency access to your record",
    "care.start": "Started working with you",
    "account.signup": "Created your account",
    "data_export": "Downloaded your data",
}


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    who: str
    what: str
    outcome: str


def access_history(ctx: RequestContext, client: User, *, limit: int = 200) -> list[AccessEntry]:
    """Every audited access to the client's data, newest first, with readable actors."""
    authorize(ctx, policies.can_edit_own_profile, client, action="access_history.view", subject=client)
    events = list(AuditEvent.objects.filter(subject_ref=str(client.pk)).select_related("actor").order_by("-id")[:limit])
    return [
        AccessEntry(e.at, _who(e, client), ACTION_LABELS.get(e.action, _humanise(e.action)), e.outcome) for e in events
    ]


def _who(event: AuditEvent, client: User) -> str:
    actor = event.actor
    if actor is None:
        return "Confide (automatic)" if not event.actor_ref else "A former account"
    if actor.pk == client.pk:
        return "You"
    if actor.role == Role.THERAPIST:
        treating = policies.is_treating_therapist(actor, client)
        return f"{'Your therapist' if treating else 'Therapist'} {actor.display_name}".strip()
    if actor.role == Role.STAFF:
        return f"Confide staff ({actor.display_name or 'staff member'})"
    return "Another account (refused)" if event.outcome == "denied" else "Another account"


def _humanise(action: str) -> str:
    return action.replace("_", " ").replace(".", ": ", 1).capitalize()


def export_client_data(ctx: RequestContext, client: User) -> dict:
    """Everything Confide holds about the client, as JSON-ready data (audited)."""
    identity = read_client_identity(ctx, client)
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": str(client.pk),
            "email": client.email,
            "pseudonym": client.display_name,
            "time_zone": client.time_zone,
            "joined": client.date_joined.isoformat(),
        },
        "identity": {
            "legal_name": identity.legal_name,
            "date_of_birth": identity.date_of_birth,
            "jurisdiction": identity.jurisdiction,
        },
        "care": [
            {"therapist": c.therapist.display_name, "status": c.status, "started": c.started_at.isoformat()}
            for c in CareRelationship.objects.filter(client=client).select_related("therapist")
        ],
        "access_history": [
            {"at": e.at.isoformat(), "who": e.who, "what": e.what, "outcome": e.outcome}
            for e in access_history(ctx, client, limit=10_000)
        ],
    }
    for app in EXPORT_APPS:
        module = optional_app_module(app, "export")
        if module is not None:
            data[app] = module.collect(ctx, client)
    with transaction.atomic():
        record_event(ctx, "data_export", object_type="user", object_id=client.pk, subject=client)
    return data
