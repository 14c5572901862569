"""Forms of the messaging pages (the no-JavaScript path; chat.js uses the socket and the API)."""

from __future__ import annotations

import uuid

from django import forms

from confide.messaging.services.sending import MAX_CHAT_CHARS, MAX_LETTER_CHARS, MAX_SUBJECT_CHARS

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def new_key() -> str:
    """A fresh idempotency key per rendered form: submitting the same form twice stores one message."""
    return uuid.uuid4().hex


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        required=False,
        max_length=MAX_CHAT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "data-max-chars": MAX_CHAT_CHARS}),
    )
    attachment = forms.FileField(
        label="Attach an image or PDF (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,application/pdf"}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=new_key)


class LetterForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=MAX_SUBJECT_CHARS)
    body = forms.CharField(label="Letter", max_length=MAX_LETTER_CHARS, widget=forms.Textarea(attrs={"rows": 12}))
    attachment = forms.FileField(
        label="Attach an image or PDF (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,application/pdf"}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=new_key)


class EditForm(forms.Form):
    body = forms.CharField(label="Message", max_length=MAX_LETTER_CHARS, widget=forms.Textarea(attrs={"rows": 4}))


class SearchForm(forms.Form):
    q = forms.CharField(label="Search your messages", max_length=100, required=False)


class ReplySettingsForm(forms.Form):
    reply_within_hours = forms.IntegerField(
        label="I usually reply within (hours)", min_value=1, max_value=168, initial=24
    )
    work_days = forms.TypedMultipleChoiceField(
        label="Working days", choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    work_start = forms.TimeField(label="Working hours start", widget=forms.TimeInput(attrs={"type": "time"}))
    work_end = forms.TimeField(label="Working hours end", widget=forms.TimeInput(attrs={"type": "time"}))
    auto_reply_enabled = forms.BooleanField(label="Send an automatic reply outside working hours", required=False)
    auto_reply_text = forms.CharField(
        label="Opening sentence of the automatic reply (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="When to expect an answer and where to get urgent help are always added.",
    )
