"""The therapist's start-of-visit confirmation: where the client is now, and their emergency contact."""

from __future__ import annotations

from django import forms

from confide.core.jurisdictions import jurisdiction_choices
from confide.core.widgets import FastSelect


class StartVisitForm(forms.Form):
    jurisdiction = forms.ChoiceField(
        label="Where is the client right now?",
        help_text="Ask them; it decides which licence and which emergency services apply.",
        widget=FastSelect,
    )
    emergency_contact_confirmed = forms.BooleanField(
        label="I confirmed the client's emergency contact and the address where they are",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "Choose…"), *jurisdiction_choices()]
