"""Forms for booking and for a therapist's hours, time off, types and policy. Services do the real checks."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from confide.scheduling.bounds import check_instant
from confide.scheduling.models import AppointmentKind, AvailabilityException, SchedulingPolicy, Weekday
from confide.scheduling.services.setup import POLICY_FIELDS

BLOCKS_PER_DAY = 2


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Anything you would like your therapist to know (optional)",
        help_text="Private to you and your therapist, stored encrypted. Never sent by e-mail.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional, private)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class HoursForm(forms.Form):
    """Up to two blocks per weekday, wall-clock times in the therapist's zone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in Weekday.choices:
            for block in range(1, BLOCKS_PER_DAY + 1):
                self.fields[f"d{day}_start{block}"] = _time_field(f"{name} block {block} from")
                self.fields[f"d{day}_end{block}"] = _time_field(f"{name} block {block} until")

    @staticmethod
    def initial_from(rows) -> dict:
        initial, seen = {}, {}
        for row in rows:
            block = seen[row.weekday] = seen.get(row.weekday, 0) + 1
            if block <= BLOCKS_PER_DAY:
                initial[f"d{row.weekday}_start{block}"] = row.start_time
                initial[f"d{row.weekday}_end{block}"] = row.end_time
        return initial

    def days(self):
        """(weekday name, [(start field, end field), …]) for the template."""
        return [
            (name, [(self[f"d{day}_start{b}"], self[f"d{day}_end{b}"]) for b in range(1, BLOCKS_PER_DAY + 1)])
            for day, name in Weekday.choices
        ]

    def blocks(self) -> list:
        found = []
        for day, name in Weekday.choices:
            for block in range(1, BLOCKS_PER_DAY + 1):
                start, end = self.cleaned_data.get(f"d{day}_start{block}"), self.cleaned_data.get(f"d{day}_end{block}")
                if (start is None) != (end is None):
                    raise forms.ValidationError(f"{name}: give both a start and an end, or neither.")
                if start is not None:
                    found.append((day, start, end))
        return found


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(choices=AvailabilityException.Kind.choices, initial="time_off")
    start = forms.DateTimeField(label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    label = forms.CharField(label="Label (only you see it)", required=False, max_length=80)

    def clean_start(self):
        return _in_range(self.cleaned_data["start"])

    def clean_end(self):
        return _in_range(self.cleaned_data["end"])


def _in_range(at):
    try:
        return check_instant(at)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SchedulingPolicy
        fields = POLICY_FIELDS
        labels = {
            "buffer_minutes": "Buffer between appointments (minutes)",
            "min_notice_hours": "Minimum notice (hours)",
            "horizon_days": "Booking horizon (days ahead)",
            "max_per_day": "At most appointments per day",
            "max_per_week": "At most appointments per week",
            "slot_step_minutes": "Start times",
            "late_cancel_hours": "Late-cancellation window (hours before)",
            "late_cancel_fee": "Late-cancellation fee",
            "confirm_manually": "I confirm each booking myself",
            "offers_video": "Video",
            "offers_audio": "Audio call",
            "offers_chat": "Live chat",
            "offers_in_person": "In person (hybrid)",
        }

    def clean_late_cancel_fee(self):
        fee = self.cleaned_data["late_cancel_fee"]
        if fee is not None and fee < 0:
            raise forms.ValidationError("The fee cannot be negative; use 0 for no fee.")
        return fee


class TypesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, name in AppointmentKind.choices:
            self.fields[f"{kind}_minutes"] = forms.IntegerField(label=f"{name}: minutes", min_value=10, max_value=240)
            self.fields[f"{kind}_price"] = forms.DecimalField(
                label=f"{name}: price", min_value=0, max_digits=8, decimal_places=2
            )
            self.fields[f"{kind}_active"] = forms.BooleanField(label=f"{name}: offered", required=False)

    @staticmethod
    def initial_from(types) -> dict:
        initial = {}
        for row in types:
            initial.update(
                {f"{row.kind}_minutes": row.minutes, f"{row.kind}_price": row.price, f"{row.kind}_active": row.active}
            )
        return initial

    def rows(self):
        return [
            (name, self[f"{kind}_minutes"], self[f"{kind}_price"], self[f"{kind}_active"])
            for kind, name in AppointmentKind.choices
        ]

    def per_kind(self) -> dict[str, dict]:
        return {
            kind: {
                "minutes": self.cleaned_data[f"{kind}_minutes"],
                "price": self.cleaned_data[f"{kind}_price"],
                "active": self.cleaned_data[f"{kind}_active"],
            }
            for kind, _ in AppointmentKind.choices
        }
