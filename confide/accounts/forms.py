"""Sign-up and profile forms."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from confide.accounts.models import Role
from confide.core.jurisdictions import jurisdiction_choices, normalise_jurisdiction
from confide.core.widgets import FastSelect


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones]


class JoinAs(models.TextChoices):
    CLIENT = Role.CLIENT, "I am looking for therapy"
    THERAPIST = Role.THERAPIST, "I am a licensed therapist"


class ClientSignupForm(forms.Form):
    """Extra sign-up fields; allauth adds e-mail and password."""

    join_as = forms.ChoiceField(
        choices=JoinAs.choices, initial=JoinAs.CLIENT, widget=forms.RadioSelect, label="I am joining as"
    )
    display_name = forms.CharField(
        max_length=40,
        min_length=2,
        label="Name others see",
        help_text="Clients: a pseudonym is fine — only your own therapist sees your real name. "
        "Therapists: your professional name.",
    )
    jurisdiction = forms.ChoiceField(
        choices=[("", "Choose…")] + [],
        required=False,
        label="Where you usually are",
        help_text="Country, or state for the US, Canada and Australia. Therapists can only see clients "
        "where they are licensed.",
    )
    time_zone = forms.ChoiceField(
        choices=[], initial="UTC", label="Your time zone", widget=FastSelect(attrs={"data-detect-tz": "1"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "Choose…")] + jurisdiction_choices()
        self.fields["time_zone"].choices = time_zone_choices()

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if "@" in name:
            raise ValidationError("Please do not use an e-mail address as your name.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("join_as") == JoinAs.CLIENT and not data.get("jurisdiction"):
            self.add_error("jurisdiction", "Tell us where you usually are, so we show therapists who may see you.")
        elif data.get("jurisdiction"):
            data["jurisdiction"] = normalise_jurisdiction(data["jurisdiction"])
        return data

    def signup(self, request, user) -> None:
        """Called by allauth once the user row exists."""
        from confide.accounts.signup import complete_signup

        complete_signup(request, user, self.cleaned_data)


class ClientProfileForm(forms.Form):
    pseudonym = forms.CharField(max_length=40, label="Pseudonym (shown to everyone but your therapist)")
    legal_name = forms.CharField(max_length=120, required=False, label="Legal name (optional)")
    date_of_birth = forms.DateField(
        required=False, label="Date of birth (optional)", widget=forms.DateInput(attrs={"type": "date"})
    )
    jurisdiction = forms.ChoiceField(choices=[], label="Where you usually are", widget=FastSelect)
    time_zone = forms.ChoiceField(choices=[], label="Time zone", widget=FastSelect(attrs={"data-detect-tz": "1"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = jurisdiction_choices()
        self.fields["time_zone"].choices = time_zone_choices()

    def clean_date_of_birth(self):
        """A date in the past, after 1900: 2099 or 1800 is a typo a therapist would then read as fact."""
        from datetime import date

        from django.utils import timezone

        born = self.cleaned_data.get("date_of_birth")
        if born is not None and not date(1900, 1, 1) <= born <= timezone.localdate():
            raise forms.ValidationError("Give a date of birth between 1900 and today.")
        return born


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="What is this token for?")


class EmergencyAccessForm(forms.Form):
    client_email = forms.EmailField(label="Client's e-mail address")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for emergency access")
    minutes = forms.IntegerField(min_value=5, max_value=240, initial=30, label="Minutes of access")


class ReviewForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Review note")
