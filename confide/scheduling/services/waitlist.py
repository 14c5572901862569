"""The waitlist: a freed time is offered to waiting clients first, one at a time, in the order they joined.

An offer holds the time for ``OFFER_HOLD`` (never past the therapist's minimum
notice): nobody else sees it meanwhile. When the offer lapses or is declined,
the client keeps their place and the time goes to the next person waiting who
has not been offered it yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from confide.privacy.access import authorize
from confide.privacy.audit import SYSTEM, RequestContext, record_event
from confide.scheduling import policies
from confide.scheduling.availability import available_slots, policy_for, zone_of
from confide.scheduling.models import Appointment, Modality, WaitlistEntry

OFFER_HOLD = timedelta(hours=2)
OPEN_STATES = (WaitlistEntry.State.WAITING, WaitlistEntry.State.OFFERED)


def join_waitlist(ctx: RequestContext, *, client, therapist, appointment_type, modality: str = Modality.VIDEO):
    """Wait for an earlier time with this therapist. One open entry per client and therapist."""
    authorize(ctx, policies.can_book_for, client, action="waitlist.join", object_type="user", subject=client)
    if appointment_type.therapist_id != therapist.pk or not appointment_type.active:
        raise ValidationError({"appointment_type": "This therapist does not offer that appointment type."})
    if modality not in Modality.values:
        raise ValidationError({"modality": f"Choose one of: {', '.join(Modality.values)}."})
    with transaction.atomic():
        if WaitlistEntry.objects.filter(client=client, therapist=therapist, state__in=OPEN_STATES).exists():
            raise ValidationError("You are already on this therapist's waitlist.")
        entry = WaitlistEntry.objects.create(
            client=client, therapist=therapist, appointment_type=appointment_type, modality=modality
        )
        record_event(ctx, "waitlist.join", object_type="waitlist", object_id=entry.pk, subject=client)
    return entry


def leave_waitlist(ctx: RequestContext, entry: WaitlistEntry) -> None:
    authorize(ctx, policies.can_use_waitlist_entry, entry, action="waitlist.leave", subject=entry.client)
    with transaction.atomic():
        fresh = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if fresh.state not in OPEN_STATES:
            raise ValidationError("You are no longer on this waitlist.")
        held = _held_time(fresh)
        fresh.state = WaitlistEntry.State.WITHDRAWN
        fresh.save(update_fields=["state", "updated_at"])
        if held:
            offer_freed_time(fresh.therapist, *held)


def offer_freed_time(therapist, start: datetime, end: datetime, *, now: datetime | None = None):
    """Offer ``[start, end)`` to the first waiting client who can take it; returns the entry or None.

    Runs inside the caller's transaction (cancel, reschedule, lapse). Queues the
    offer e-mail and the task that ends the hold.
    """
    now = now or timezone.now()
    policy = policy_for(therapist)
    expires = min(now + OFFER_HOLD, start - timedelta(hours=policy.min_notice_hours))
    if expires <= now:
        return None  # too close to the start for anyone to book it
    waiting = WaitlistEntry.objects.select_related("appointment_type", "client").filter(
        therapist=therapist, state=WaitlistEntry.State.WAITING
    )
    for entry in waiting.exclude(offered_start_at=start):
        if _fits(entry, therapist, start, end, now):
            return _make_offer(entry, start, expires)
    return None


def _fits(entry: WaitlistEntry, therapist, start: datetime, end: datetime, now: datetime) -> bool:
    if start + timedelta(minutes=entry.appointment_type.minutes) > end:
        return False
    offered = available_slots(
        therapist,
        entry.appointment_type,
        start,
        start + timedelta(minutes=1),
        zone_of(therapist),
        viewer=entry.client,
        now=now,
    )
    return bool(offered) and offered[0].start == start


def _make_offer(entry: WaitlistEntry, start: datetime, expires: datetime) -> WaitlistEntry:
    from confide.scheduling import tasks

    entry.state = WaitlistEntry.State.OFFERED
    entry.offered_start_at = start
    entry.offered_end_at = start + timedelta(minutes=entry.appointment_type.minutes)
    entry.offer_expires_at = expires
    entry.save()
    record_event(SYSTEM, "waitlist.offer", object_type="waitlist", object_id=entry.pk, subject=entry.client)
    tasks.send_waitlist_offer.enqueue(str(entry.pk))
    tasks.expire_waitlist_offer.using(run_after=expires).enqueue(str(entry.pk))
    return entry


def _held_time(entry: WaitlistEntry):
    if (
        entry.state == WaitlistEntry.State.OFFERED
        and entry.offer_expires_at
        and entry.offer_expires_at > timezone.now()
    ):
        return entry.offered_start_at, entry.offered_end_at
    return None


def decline_offer(ctx: RequestContext, entry: WaitlistEntry) -> None:
    """Let the offered time go to the next person; stay on the waitlist."""
    authorize(ctx, policies.can_use_waitlist_entry, entry, action="waitlist.decline", subject=entry.client)
    with transaction.atomic():
        fresh = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if fresh.state != WaitlistEntry.State.OFFERED:
            raise ValidationError("There is no time on offer for you here any more.")
        _pass_on(fresh)


def expire_offer(entry_id: str, now: datetime | None = None) -> str:
    """Task body: a lapsed offer returns the client to waiting and offers the time onwards."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().filter(pk=entry_id).first()
        if entry is None or entry.state != WaitlistEntry.State.OFFERED:
            return "no longer offered"
        if entry.offer_expires_at and entry.offer_expires_at > now:
            return "not yet expired"
        _pass_on(entry, now=now)
    return "passed on"


def _pass_on(entry: WaitlistEntry, now: datetime | None = None) -> None:
    entry.state = WaitlistEntry.State.WAITING  # keeps offered_start_at so this time is not offered to them again
    entry.offer_expires_at = None
    entry.save(update_fields=["state", "offer_expires_at", "updated_at"])
    offer_freed_time(entry.therapist, entry.offered_start_at, entry.offered_end_at, now=now)


def close_offer_on_booking(appointment: Appointment) -> None:
    """Booking the offered time closes that client's offer."""
    WaitlistEntry.objects.filter(
        client=appointment.client_id,
        therapist=appointment.therapist_id,
        state=WaitlistEntry.State.OFFERED,
        offered_start_at=appointment.start_at,
    ).update(state=WaitlistEntry.State.BOOKED, updated_at=timezone.now())


def send_offer_email(entry_id: str) -> str:
    from confide.scheduling import emails

    entry = WaitlistEntry.objects.select_related("client").filter(pk=entry_id).first()
    if entry is None or entry.state != WaitlistEntry.State.OFFERED:
        return "no longer offered"
    url = _site_url(reverse("waitlist_offer", args=[entry.pk]))
    emails.waitlist_offer(entry, url).send()
    return "sent"


def _site_url(path: str) -> str:
    from django.conf import settings

    return settings.SITE_URL + path
