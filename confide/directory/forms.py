"""Forms: the search filters (rendering only — parsing is search.parse_filters), profile edit, licences, review."""

from __future__ import annotations

from django import forms

from confide.core.jurisdictions import jurisdiction_choices
from confide.core.widgets import FastSelect
from confide.directory import models, taxonomy
from confide.directory.photos import MAX_UPLOAD_BYTES
from confide.directory.search import SORTS, TERM_FILTERS
from confide.directory.services import PUBLISHED_ELSEWHERE

ANY = [("", "Any")]
TERM_LABELS = {
    "specialty": "Specialty",
    "approach": "Approach",
    "population": "Works with",
    "language": "Language",
    "modality": "Session type",
    "competency": "Cultural and identity competency",
    "insurance": "Insurance",
}


def term_choices(model) -> list[tuple[str, str]]:
    return taxonomy.choices(model)


class SearchForm(forms.Form):
    """Filter controls; bound to the parsed filters so a shared URL shows what it searches."""

    jurisdiction = forms.ChoiceField(
        label="Where you are now", widget=FastSelect, help_text="Only therapists licensed there are shown."
    )
    q = forms.CharField(label="Search names, headlines and bios", required=False, max_length=200)
    gender = forms.ChoiceField(label="Therapist gender", required=False)
    max_fee = forms.IntegerField(label="Maximum fee per session", required=False, min_value=0, max_value=100_000)
    within_days = forms.TypedChoiceField(
        label="Available within",
        required=False,
        choices=[("", "Any time"), ("3", "3 days"), ("7", "a week"), ("14", "two weeks"), ("30", "30 days")],
    )
    evenings = forms.BooleanField(label="Evening times", required=False)
    weekends = forms.BooleanField(label="Weekend times", required=False)
    include_unavailable = forms.BooleanField(
        label="Also show therapists with no open times in the next 30 days or not taking new clients", required=False
    )
    sort = forms.ChoiceField(label="Sort by", choices=list(SORTS.items()), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "Choose…"), *jurisdiction_choices()]
        self.fields["gender"].choices = ANY + [(v, label) for v, label in models.Gender.choices if v]
        for name, (model, _) in TERM_FILTERS.items():
            self.fields[name] = forms.ChoiceField(label=TERM_LABELS[name], required=False)
            self.fields[name].choices = ANY + term_choices(model)
        self.order_fields(["jurisdiction", "q", *TERM_FILTERS])

    @property
    def term_fields(self):
        return [self[name] for name in TERM_FILTERS]


TAXONOMY_FIELDS = ("specialties", "approaches", "populations", "competencies", "languages", "insurance")


class ProfileForm(forms.ModelForm):
    """What the therapist writes about themselves.

    Session types and reply time are not here: the booking rules and the messaging settings govern
    them, and the directory shows those (``services.PUBLISHED_ELSEWHERE``). A post that still carries
    them (a page opened before they moved, a script) is refused with where to change them, rather than
    saved without them as if it had worked.
    """

    class Meta:
        model = models.TherapistProfile
        fields = [
            "display_name",
            "pronouns",
            "gender",
            "credentials",
            "headline",
            "bio",
            "years_in_practice",
            "specialties",
            "approaches",
            "populations",
            "competencies",
            "languages",
            "in_person_address",
            "insurance",
            "fee",
            "currency",
            "sliding_scale",
            "accepting_new_clients",
        ]
        widgets = {name: forms.CheckboxSelectMultiple for name in TAXONOMY_FIELDS}
        labels = {"fee": "Fee per session", "in_person_address": "Where in-person sessions happen (shown publicly)"}
        help_texts = {
            "in_person_address": "Shown only while your booking rules offer in-person sessions, e.g. a "
            "neighbourhood. Booked clients get the full office address from your booking rules."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TAXONOMY_FIELDS:
            self.fields[name].queryset = self.fields[name].queryset.filter(active=True)
        self.fields["bio"].widget.attrs["rows"] = 8

    def clean(self):
        cleaned = super().clean()
        for name in sorted(set(self.data) & set(PUBLISHED_ELSEWHERE)):
            self.add_error(None, PUBLISHED_ELSEWHERE[name])
        return cleaned

    def clean_currency(self) -> str:
        """An ISO 4217 code: clients see it next to the fee ("140 ZZZ per session" helps nobody)."""
        import pycountry

        code = (self.cleaned_data["currency"] or "").strip().upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise forms.ValidationError(f"“{code[:3]}” is not a currency code; use one such as USD, EUR or GBP.")
        return code


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Profile photo",
        help_text=f"JPEG, PNG or WebP, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. "
        "We re-encode it and remove location data.",
    )


class LicenceForm(forms.Form):
    licence_type = forms.ModelChoiceField(queryset=models.LicenceType.objects.all(), label="Licence type")
    number = forms.CharField(max_length=40, label="Licence number")
    jurisdiction = forms.ChoiceField(label="Issued for (state or country)", widget=FastSelect)
    issuing_board = forms.CharField(max_length=140, required=False)
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))
    psypact_privilege = forms.BooleanField(
        required=False, label="I hold the PSYPACT interstate telepsychology privilege (APIT) on this licence"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "Choose…"), *jurisdiction_choices()]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", "Verify"), ("reject", "Reject")], widget=forms.RadioSelect)
    note = forms.CharField(max_length=200, required=False, label="Note (required to reject)")


class HideForm(forms.Form):
    hidden = forms.BooleanField(required=False, label="Hide this profile")
    reason = forms.CharField(max_length=200, required=False, label="Reason (shown to the therapist)")


class MatchingForm(forms.Form):
    """The short questionnaire. Its answers are PHI: stored encrypted, reads and writes audited."""

    jurisdiction = forms.ChoiceField(label="Where are you now?", widget=FastSelect)
    concerns = forms.MultipleChoiceField(
        label="What brings you here? (up to 5)", required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label="Anything else you want a therapist to know (optional, private)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    therapist_gender = forms.ChoiceField(label="Therapist gender", required=False)
    language = forms.ChoiceField(label="Language", required=False)
    competencies = forms.MultipleChoiceField(
        label="Cultural or identity experience that matters to you",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modality = forms.ChoiceField(label="Session type", required=False)
    modality_required = forms.BooleanField(label="I can only do this session type", required=False)
    max_fee = forms.IntegerField(label="Budget per session", required=False, min_value=0, max_value=100_000)
    insurance = forms.ChoiceField(label="Insurance", required=False)
    times = forms.MultipleChoiceField(
        label="Times that suit you",
        required=False,
        choices=[("evenings", "Evenings"), ("weekends", "Weekends")],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", "Choose…"), *jurisdiction_choices()]
        self.fields["concerns"].choices = term_choices(models.Specialty)
        self.fields["competencies"].choices = term_choices(models.Competency)
        self.fields["therapist_gender"].choices = [("", "No preference")] + [
            (v, label) for v, label in models.Gender.choices if v
        ]
        self.fields["language"].choices = [("", "No preference"), *term_choices(models.Language)]
        self.fields["modality"].choices = [("", "No preference"), *term_choices(models.Modality)]
        self.fields["insurance"].choices = [("", "None / paying myself"), *term_choices(models.InsurancePayer)]
