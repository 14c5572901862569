"""Conversations between a client and their therapist, their messages, and the state around them.

Message bodies, subjects, edit history and attachment names are PHI: encrypted
columns. The per-conversation sequence (``seq``) orders everything that happens
in a conversation — new messages and edits — so a client that saw up to ``n``
asks for "everything after n" and gets no gaps and no duplicates
(docs/messaging.md).
"""

from __future__ import annotations

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone

from confide.privacy.fields import EncryptedTextField
from confide.privacy.storage import EncryptedFileSystemStorage


class Conversation(models.Model):
    """One thread per client–therapist pair; it outlives an ended care relationship (read-only then)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_seq = models.PositiveBigIntegerField(default=0, help_text="the last sequence number handed out")
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["client", "therapist"], name="one_conversation_per_pair")]

    def __str__(self) -> str:
        return f"conversation {str(self.id)[:8]}"

    @property
    def group_name(self) -> str:
        """Channel-layer group: an opaque id only (no names, no e-mail)."""
        return f"conv.{self.id.hex}"

    def participant_ids(self) -> tuple:
        return (self.client_id, self.therapist_id)

    def other_party_id(self, user_id):
        return self.therapist_id if user_id == self.client_id else self.client_id


class Kind(models.TextChoices):
    CHAT = "chat", "Chat message"
    LETTER = "letter", "Letter"
    AUTO_REPLY = "auto_reply", "Automatic reply"


class Message(models.Model):
    """A stored message. ``seq`` is its place in the conversation; ``version_seq`` moves on each edit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    version_seq = models.PositiveBigIntegerField(help_text="seq of the latest change (creation or edit)")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHAT)
    idempotency_key = models.CharField(max_length=64, help_text="chosen by the sending device; retries reuse it")
    subject = EncryptedTextField(blank=True, default="")
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    screened_at = models.DateTimeField(
        null=True, blank=True, help_text="when the safety screening of a client's text ran (null: not yet / not needed)"
    )

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique_in_conversation"),
            models.UniqueConstraint(
                fields=["conversation", "sender", "idempotency_key"], name="message_idempotency_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["conversation", "version_seq"], name="message_version_idx")]

    def __str__(self) -> str:
        return f"message {self.seq} of {self.conversation_id}"


class MessageEdit(models.Model):
    """The text a message had before an edit (history is kept: messages are therapy records)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    seq = models.PositiveBigIntegerField(help_text="the conversation seq of this edit event")
    previous_body = EncryptedTextField()
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "seq"]

    def __str__(self) -> str:
        return f"edit {self.seq} of {self.message_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The storage replaces the file name with a random one; the folder groups by conversation id only.
    return f"messaging/{instance.conversation_id.hex}/{filename}"


class Attachment(models.Model):
    """An image or PDF sent with a message; the bytes are encrypted on disk under a random name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, storage=EncryptedFileSystemStorage, max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    original_name = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"attachment {str(self.id)[:8]}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ReadState(models.Model):
    """How far one participant has read, and the bookkeeping for the one unread e-mail."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_seq = models.PositiveBigIntegerField(default=0)
    notice_pending = models.BooleanField(default=False, help_text="an unread e-mail task is queued")
    notified_seq = models.PositiveBigIntegerField(default=0, help_text="last seq an unread e-mail covered")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["conversation", "user"]
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="one_read_state_per_person")]

    def __str__(self) -> str:
        return f"read state {self.conversation_id}/{self.user_id}"


def default_work_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class SettingsQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        """A bulk UPDATE sends no signals: republish the directory's reply time when it changes it."""
        if "reply_within_hours" not in kwargs:
            return super().update(**kwargs)
        therapist_ids = list(self.values_list("therapist_id", flat=True))
        rows = super().update(**kwargs)
        from confide.messaging.services.reply_settings import publish_reply_time

        for therapist_id in therapist_ids:
            publish_reply_time(therapist_id)
        return rows


class TherapistMessagingSettings(models.Model):
    """A therapist's promise about replies: expected reply time, working hours, the automatic reply.

    ``reply_within_hours`` is the one place the typical reply time is set: the automatic reply promises
    it and the directory shows it (published by ``services.reply_settings``). Without a row the field
    defaults apply.
    """

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="messaging_settings"
    )
    reply_within_hours = models.PositiveSmallIntegerField(default=24)
    work_days = models.JSONField(default=default_work_days, help_text="weekdays, Monday = 0")
    work_start = models.TimeField(default=time(9))
    work_end = models.TimeField(default=time(17))
    auto_reply_enabled = models.BooleanField(default=True)
    auto_reply_text = models.TextField(
        blank=True,
        default="",
        max_length=1000,
        help_text="Optional opening sentence; the time to expect an answer and the crisis link are always added.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        ordering = ["therapist"]
        verbose_name_plural = "therapist messaging settings"

    def __str__(self) -> str:
        return f"messaging settings of {self.therapist_id}"
