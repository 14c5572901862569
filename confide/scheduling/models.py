"""Availability, appointment types, appointments, the waitlist, jurisdiction rules and calendar feeds.

Every instant is stored in UTC. Weekly hours are wall-clock times in the
therapist's own zone (``User.time_zone``); they are turned into instants per day
by ``scheduling.slots``. Appointment times are not PHI by themselves; the
client's note and a cancellation reason are, so they are encrypted.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from confide.privacy.fields import EncryptedTextField


class TimeStamped(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHours(TimeStamped):
    """One block of recurring working hours, in the therapist's own zone."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start_time"]
        constraints = [models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="hours_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityException(TimeStamped):
    """Time off (closes hours) or extra hours (opens time), entered in the therapist's zone, stored in UTC."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", "Time off"
        EXTRA_HOURS = "extra_hours", "Extra hours"

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    label = models.CharField(max_length=80, blank=True, help_text="For you only, e.g. “Holiday”.")

    class Meta:
        ordering = ["therapist", "starts_at"]
        indexes = [models.Index(fields=["therapist", "starts_at"], name="exception_therapist_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="exception_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}Z"


class AppointmentKind(models.TextChoices):
    INTAKE = "intake", "Intake"
    THERAPY = "therapy", "Therapy session"
    CHECK_IN = "check_in", "Short check-in"


DEFAULT_MINUTES = {AppointmentKind.INTAKE: 60, AppointmentKind.THERAPY: 50, AppointmentKind.CHECK_IN: 25}


class AppointmentType(TimeStamped):
    """What a therapist offers: one per kind, with its length and price."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointment_types")
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(10), MaxValueValidator(240)])
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["therapist", "kind"]
        constraints = [models.UniqueConstraint(fields=["therapist", "kind"], name="one_type_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.minutes} min)"

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} · {self.minutes} min · {self.currency} {self.price}"


class Modality(models.TextChoices):
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio call"
    CHAT = "chat", "Live chat"
    IN_PERSON = "in_person", "In person (hybrid)"


TELEHEALTH_MODALITIES = (Modality.VIDEO, Modality.AUDIO, Modality.CHAT)


# Policy columns the directory's session types are published from (scheduling.listing).
LISTED_POLICY_FIELDS = frozenset({"offers_video", "offers_audio", "offers_chat", "offers_in_person", "office_address"})


class PolicyQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        """A bulk UPDATE sends no signals: republish the directory's session types when it changes them."""
        if not LISTED_POLICY_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        therapist_ids = list(self.values_list("therapist_id", flat=True))
        rows = super().update(**kwargs)
        from confide.scheduling import listing

        for therapist_id in therapist_ids:
            listing.publish(therapist_id)
        return rows


class SchedulingPolicy(TimeStamped):
    """A therapist's own rules: balance (buffer, caps), notice, horizon, cancellation terms, modalities.

    The one place a therapist says how sessions happen: booking enforces it, and the directory's
    session types (card, profile, search filter) are published from it (``scheduling.listing``).
    A therapist with no policy row is booked under these field defaults.
    """

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    buffer_minutes = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(120)])
    min_notice_hours = models.PositiveSmallIntegerField(default=24, validators=[MaxValueValidator(24 * 14)])
    horizon_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_per_day = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1), MaxValueValidator(24)])
    max_per_week = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(1), MaxValueValidator(80)]
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=30, choices=[(15, "every 15 minutes"), (30, "every 30 minutes"), (60, "on the hour")]
    )
    late_cancel_hours = models.PositiveSmallIntegerField(default=24, validators=[MaxValueValidator(24 * 7)])
    late_cancel_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    confirm_manually = models.BooleanField(
        default=False, help_text="Bookings wait as “requested” until you confirm them."
    )
    offers_video = models.BooleanField(default=True)
    offers_audio = models.BooleanField(default=True)
    offers_chat = models.BooleanField(default=True)
    offers_in_person = models.BooleanField(default=False)
    office_address = models.CharField(max_length=300, blank=True, help_text="Where in-person sessions happen.")

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["therapist"]
        verbose_name_plural = "scheduling policies"

    def __str__(self) -> str:
        return f"scheduling policy {str(self.therapist_id)[:8]}"

    def offered_modalities(self) -> list[str]:
        flags = {
            Modality.VIDEO: self.offers_video,
            Modality.AUDIO: self.offers_audio,
            Modality.CHAT: self.offers_chat,
            Modality.IN_PERSON: self.offers_in_person,
        }
        return [modality for modality, offered in flags.items() if offered]

    def bookable_modalities(self) -> list[str]:
        """What booking can accept at all, before a jurisdiction's rules: offered, and in person only
        with an office address (the same test as ``rules.modality_problem``)."""
        return [m for m in self.offered_modalities() if m != Modality.IN_PERSON or self.office_address]


class Status(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Appointments that hold their time: the exclusion constraint and every overlap check use these.
ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED)


class Appointment(TimeStamped):
    """One booked session. [start_at, end_at) in UTC; the terms shown at booking are copied in."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_as_therapist"
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    modality = models.CharField(max_length=16, choices=Modality.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    note = EncryptedTextField(blank=True, default="", help_text="What the client wants the therapist to know (PHI).")
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    late_cancel_hours = models.PositiveSmallIntegerField(default=24)
    late_cancel_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE: bumped on every change.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = EncryptedTextField(blank=True, default="")
    late_cancellation = models.BooleanField(default=False)
    fee_due = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)
    # The visit as it actually happened (telehealth records them when the therapist ends it; billing reads them).
    actual_start_at = models.DateTimeField(null=True, blank=True)
    actual_end_at = models.DateTimeField(null=True, blank=True)
    actual_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["start_at"]
        indexes = [
            models.Index(fields=["therapist", "start_at"], name="appt_therapist_start"),
            models.Index(fields=["client", "start_at"], name="appt_client_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="appointment_end_after_start")
        ]
        # PostgreSQL also has an exclusion constraint (migration 0002): no two active
        # appointments of one therapist overlap, whatever code path writes them.

    def __str__(self) -> str:
        return f"appointment {str(self.id)[:8]} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WaitlistEntry(TimeStamped):
    """A client who wants an earlier time with a therapist; freed slots are offered here first."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a time"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE, related_name="+")
    modality = models.CharField(max_length=16, choices=Modality.choices, default=Modality.VIDEO)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    offered_start_at = models.DateTimeField(null=True, blank=True)
    offered_end_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["therapist", "state", "created_at"], name="waitlist_therapist_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "therapist"], condition=Q(state__in=["waiting", "offered"]), name="one_open_wait"
            )
        ]

    def __str__(self) -> str:
        return f"waitlist {str(self.id)[:8]} ({self.state})"


class JurisdictionRule(TimeStamped):
    """A telehealth rule of one jurisdiction, as data with effective dates.

    ``requires_prior_video``: ``modality`` is only available once the client has
    had (or has booked earlier) a video session with this therapist.
    ``not_permitted``: ``modality`` is not available at all there.
    """

    class Kind(models.TextChoices):
        REQUIRES_PRIOR_VIDEO = "requires_prior_video", "Requires a video session first"
        NOT_PERMITTED = "not_permitted", "Not permitted"

    jurisdiction = models.CharField(max_length=8, help_text="ISO 3166-2 (US-TX) or country (DE)")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    modality = models.CharField(max_length=16, choices=Modality.choices)
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True, help_text="First day it no longer applies.")
    explanation = models.CharField(max_length=300, help_text="Shown to clients when it blocks a modality.")
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["jurisdiction", "effective_from"]
        indexes = [models.Index(fields=["jurisdiction", "modality"], name="rule_jurisdiction_modality")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.kind} {self.modality} from {self.effective_from}"


class CalendarFeedToken(TimeStamped):
    """The secret of a private iCalendar feed URL; only its SHA-256 is stored. Revocable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"calendar feed {self.prefix}…"
