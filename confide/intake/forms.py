"""Forms built from the questionnaire definitions, plus consent, emergency plan and schedule."""

from __future__ import annotations

from typing import Any

from django import forms

from confide.intake.models import MeasureSchedule


class IntakeForm(forms.Form):
    """Every question optional at the form level: partial answers are saved; submit checks required ones."""

    def __init__(self, definition: dict[str, Any], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for section in definition["sections"]:
            for q in section["questions"]:
                self.fields[q["id"]] = _intake_field(q)

    def sections(self):
        for section in self.definition["sections"]:
            yield section["title"], [self[q["id"]] for q in section["questions"]]


def _intake_field(q: dict[str, Any]) -> forms.Field:
    common = {"label": q["label"], "help_text": q.get("help", ""), "required": False}
    if q["type"] == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=q.get("max_length"), **common)
    if q["type"] == "text":
        return forms.CharField(max_length=q.get("max_length"), **common)
    choices = [tuple(option) for option in q["options"]]
    if q["type"] == "multi":
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)


class MeasureForm(forms.Form):
    """One radio group per item (and the unscored difficulty question); rendered as fieldsets."""

    def __init__(self, definition: dict[str, Any], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        choices = [(str(o["value"]), o["label"]) for o in definition["options"]]
        for number, item in enumerate(definition["items"], start=1):
            field = forms.ChoiceField(
                label=f"{number}. {item['text']}", choices=choices, widget=forms.RadioSelect, required=False
            )
            condition = item.get("ask_if") or {}
            field.ask_if = ",".join(f"{k}={v}" for k, v in condition.items())
            field.hint = item.get("help", "")
            self.fields[item["id"]] = field
        for extra in definition.get("extra", []):
            extra_choices = [(str(o["value"]), o["label"]) for o in extra["options"]]
            field = forms.ChoiceField(
                label=extra["text"], choices=extra_choices, widget=forms.RadioSelect, required=False
            )
            field.ask_if, field.hint = "", ""
            self.fields[extra["id"]] = field

    def answers(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.cleaned_data.items() if v not in ("", None)}


class ConsentForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(label="I have read this and agree to receive therapy online.", required=True)


class EmergencyPlanForm(forms.Form):
    session_address = forms.CharField(
        label="Where you usually are during sessions (address)",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        max_length=500,
        required=False,
    )
    location_phone = forms.CharField(label="A phone number at that place", max_length=40, required=False)
    alternate_phone = forms.CharField(label="Another phone number to reach you", max_length=40, required=False)
    support_person_name = forms.CharField(label="A support person's name", max_length=120, required=False)
    support_person_phone = forms.CharField(label="Their phone number", max_length=40, required=False)
    support_person_relationship = forms.CharField(label="How you know them (optional)", max_length=120, required=False)
    support_person_consent = forms.BooleanField(
        label="In an emergency, my therapist may contact this person.", required=False
    )
    emergency_number = forms.CharField(
        label="The local emergency number where you are", max_length=20, required=False, help_text="e.g. 911, 112, 999"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("location_phone", "alternate_phone", "support_person_phone", "emergency_number"):
            self.fields[name].widget.input_type = "tel"
            self.fields[name].widget.attrs["autocomplete"] = "tel" if name != "emergency_number" else "off"


class MeasureScheduleForm(forms.Form):
    mode = forms.ChoiceField(label="Repeat PHQ-9 and GAD-7", choices=MeasureSchedule.Mode.choices)
    interval_weeks = forms.IntegerField(label="Every N weeks (when repeating by weeks)", min_value=1, max_value=12)
