"""Visits (one room per video or audio appointment), join tokens, modality segments, in-session chat.

No media is ever stored or relayed here: the browsers connect peer to peer
(DTLS-SRTP). What the server keeps is what the clinical and billing record
needs: when the visit ran, where the client said they were, which modality was
actually used when, and the in-session chat (PHI, encrypted).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from confide.privacy.fields import EncryptedTextField


class Visit(models.Model):
    """The live side of one appointment: waiting room, admission, start (location confirmed), end."""

    class State(models.TextChoices):
        OPEN = "open", "Open (not started)"
        IN_PROGRESS = "in_progress", "In progress"
        ENDED = "ended", "Ended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.PROTECT, related_name="visit")
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    admitted_at = models.DateTimeField(null=True, blank=True, help_text="The therapist let the client in.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="Location and emergency contact confirmed.")
    ended_at = models.DateTimeField(null=True, blank=True)
    # Where the client said they were at the start (PHI: location), and whether it was inside licensure.
    location = EncryptedTextField(blank=True, default="")
    emergency_contact_confirmed = models.BooleanField(default=False)
    outside_licensure = models.BooleanField(default=False)
    licensure_note = EncryptedTextField(blank=True, default="")
    # Live presence: the Channels channel of each participant's current socket (opaque, not PHI).
    client_channel = models.CharField(max_length=200, blank=True, default="")
    therapist_channel = models.CharField(max_length=200, blank=True, default="")
    # Each side's last reported media state ({"connected", "audio", "video", "screen"}): drives the segments.
    client_media = models.JSONField(default=dict, blank=True)
    therapist_media = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"visit {str(self.id)[:8]} ({self.state})"

    @property
    def room_id(self) -> str:
        """The opaque id used in channel group names and frames."""
        return self.id.hex


class JoinToken(models.Model):
    """A single-use, short-lived permission for one user to open one visit's socket.

    Only the SHA-256 of the secret is stored; the secret goes to the page once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="join_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="join_token_expiry")]

    def __str__(self) -> str:
        return f"join token {str(self.id)[:8]}"


class Segment(models.Model):
    """A stretch of the visit in one modality; billing picks modifier 95 (video) or 93 (audio) from these."""

    class Modality(models.TextChoices):
        VIDEO = "video", "Audio and video"
        AUDIO = "audio", "Audio only"
        CHAT = "chat", "Chat only (no media connection)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="segments")
    modality = models.CharField(max_length=8, choices=Modality.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["visit"], condition=Q(ended_at__isnull=True), name="one_open_segment")
        ]

    def __str__(self) -> str:
        return f"{self.modality} segment {str(self.id)[:8]}"


class ChatMessage(models.Model):
    """One in-session chat message: part of the clinical record, so encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="chat_messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"visit chat {str(self.id)[:8]}"
