"""Intake data: telehealth consent, the emergency plan, questionnaire answers, measure schedule.

Everything a client tells us here is PHI and lives in encrypted columns; the
plain columns hold only ids, status and times.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from confide.privacy.fields import EncryptedJSONField, EncryptedTextField


class ConsentDocument(models.Model):
    """One version of a consent text. Publishing a higher version asks every client to sign again."""

    class Kind(models.TextChoices):
        TELEHEALTH = "telehealth", "Telehealth informed consent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.TELEHEALTH)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs, '## ' starts a heading.")
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="From this moment the version is current (empty: draft)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="one_consent_version_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ConsentSignature(models.Model):
    """A client's signature on one consent version: typed name, time, IP and browser."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_signatures")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="signatures")
    typed_name = EncryptedTextField()
    ip = EncryptedTextField(blank=True, default="")
    user_agent = EncryptedTextField(blank=True, default="")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [models.UniqueConstraint(fields=["client", "document"], name="one_signature_per_version")]

    def __str__(self) -> str:
        return f"signature {str(self.id)[:8]}"


class EmergencyPlan(models.Model):
    """Where the client usually is during sessions and who to call: needed before the first visit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emergency_plan")
    session_address = EncryptedTextField(blank=True, default="")
    location_phone = EncryptedTextField(blank=True, default="")
    alternate_phone = EncryptedTextField(blank=True, default="")
    support_person_name = EncryptedTextField(blank=True, default="")
    support_person_phone = EncryptedTextField(blank=True, default="")
    support_person_relationship = EncryptedTextField(blank=True, default="")
    support_person_consent = EncryptedTextField(
        blank=True, default="", help_text="'yes' when the client agrees we may contact the support person"
    )
    emergency_number = EncryptedTextField(blank=True, default="", help_text="local emergency number at the address")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"emergency plan {str(self.id)[:8]}"


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class IntakeResponse(models.Model):
    """A client's answers to one version of the intake questionnaire (saved as they go)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_responses")
    questionnaire = models.CharField(max_length=64, help_text="definition key and version, e.g. intake-v1")
    answers = EncryptedJSONField(default=dict)
    status = models.CharField(max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"intake {str(self.id)[:8]} ({self.status})"


class MeasureResponse(models.Model):
    """One administration of a standard measure (PHQ-9, GAD-7, C-SSRS screener).

    ``result`` (total, severity, risk) is filled only when the response is
    complete: an unfinished questionnaire is never scored.
    """

    class Instrument(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        GAD7 = "gad7", "GAD-7"
        CSSRS = "cssrs", "C-SSRS screener"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="measure_responses")
    instrument = models.CharField(max_length=16, choices=Instrument.choices)
    version = models.CharField(max_length=32)
    answers = EncryptedJSONField(default=dict)
    result = EncryptedJSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS)
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, help_text="the PHQ-9 a C-SSRS follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "instrument", "status"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {str(self.id)[:8]} ({self.status})"

    @property
    def is_complete(self) -> bool:
        return self.status == ResponseStatus.COMPLETED


class MeasureSchedule(models.Model):
    """The therapist's choice of when a client repeats PHQ-9 and GAD-7."""

    class Mode(models.TextChoices):
        INTAKE_ONLY = "intake_only", "At intake only"
        EVERY_N_WEEKS = "every_n_weeks", "Every N weeks"
        BEFORE_EACH_SESSION = "before_each_session", "Before each session"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="measure_schedule")
    mode = models.CharField(max_length=32, choices=Mode.choices, default=Mode.EVERY_N_WEEKS)
    interval_weeks = models.PositiveSmallIntegerField(default=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"measure schedule {str(self.id)[:8]}"
