"""Safety events (escalations), the alerts they send, and who is on call.

A safety event's *existence*, level, source and status are what the client's
therapist and on-call staff need to act, so they are plain columns. The
reasons and the text that triggered it are PHI: encrypted, shown to the
treating therapist only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from confide.privacy.fields import EncryptedJSONField, EncryptedTextField


class Level(models.TextChoices):
    """Ordered: ``low`` is for therapist review; ``moderate`` and ``high`` are full escalations."""

    LOW = "low", "Low — for therapist review"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


LEVEL_RANK = {Level.LOW: 1, Level.MODERATE: 2, Level.HIGH: 3}


class Source(models.TextChoices):
    PHQ9_ITEM9 = "phq9_item9", "PHQ-9 item 9"
    CSSRS = "cssrs", "C-SSRS screener"
    TEXT_SCREENING = "text_screening", "Text screening"
    HELP_BUTTON = "help_button", "“I need help now” button"
    THERAPIST = "therapist", "Raised by a clinician"


class SafetyEvent(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open — needs follow-up"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_events")
    source = models.CharField(max_length=32, choices=Source.choices)
    level = models.CharField(max_length=16, choices=Level.choices)
    source_ref = models.CharField(
        max_length=64, blank=True, default="", help_text="opaque id of what triggered it (a response, a message)"
    )
    reasons = EncryptedJSONField(default=list)
    trigger_text = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "status"]), models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"safety event {str(self.id)[:8]} ({self.level}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_full_escalation(self) -> bool:
        """Moderate and high reach on-call staff and e-mail, and show the client crisis resources."""
        return LEVEL_RANK[Level(self.level)] >= LEVEL_RANK[Level.MODERATE]


class Alert(models.Model):
    """An in-app notice to one person that a safety event needs them. Holds no PHI."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_alerts")
    event = models.ForeignKey(SafetyEvent, on_delete=models.CASCADE, related_name="alerts")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"alert {str(self.id)[:8]}"


class OnCallShiftQuerySet(models.QuerySet):
    def current(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class OnCallShift(models.Model):
    """A staff member on call for safety alerts from ``starts_at`` until ``ends_at`` (open-ended if empty).

    When nobody is on call, every active staff member is alerted instead —
    an alert must never fall into a gap in the roster.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"on-call shift {str(self.id)[:8]}"
