"""Safety forms: closing an event with a note; choosing a country for crisis resources."""

from __future__ import annotations

from django import forms

from confide.core.jurisdictions import jurisdiction_choices


class CloseEventForm(forms.Form):
    note = forms.CharField(
        label="Follow-up note (what you did, and the outcome)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class CountryForm(forms.Form):
    country = forms.ChoiceField(label="Country", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = [(code, name) for code, name in jurisdiction_choices() if "-" not in code]
        self.fields["country"].choices = [("", "Choose a country")] + countries
