"""Therapist profiles, the taxonomies they are described with, licences, compacts, matching answers.

Taxonomies are rows (seeded by migration 0002, editable in the admin), never
code: a clinic adds "perinatal mental health" without a release.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from confide.privacy.fields import EncryptedJSONField


class Term(models.Model):
    """One entry of a taxonomy: a stable slug for URLs and filters, a name for people."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True, help_text="Inactive terms disappear from forms and filters.")
    position = models.PositiveSmallIntegerField(default=100, help_text="Order in lists (then by name).")

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Specialty(Term):
    class Meta(Term.Meta):
        verbose_name_plural = "specialties"


class Approach(Term):
    pass


class Population(Term):
    pass


class Competency(Term):
    """Cultural and identity competencies (LGBTQ+-affirming, faith-integrated, …)."""

    class Meta(Term.Meta):
        verbose_name_plural = "competencies"


class Language(Term):
    """Slug is the ISO 639-1 code (``en``, ``es``)."""


class Modality(Term):
    """How sessions happen: video, audio, live chat, messaging, in person.

    A profile never chooses these itself: the bookable ones are published by scheduling from the
    therapist's scheduling policy (what booking accepts), and ``messaging`` is listed for everyone
    because letters come with every care relationship (see ``TherapistProfile.modalities``).
    """

    class Meta(Term.Meta):
        verbose_name_plural = "modalities"


class InsurancePayer(Term):
    pass


class LicenceType(models.Model):
    """Psychologist, LPC, LCSW, … Per country; ``is_psychologist`` matters for PSYPACT."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2, blank=True, help_text="ISO country; blank = any country")
    is_psychologist = models.BooleanField(default=False)

    class Meta:
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.name


class Compact(models.Model):
    """An interstate practice compact such as PSYPACT."""

    slug = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class CompactMember(models.Model):
    """A jurisdiction where a compact is in force (data: the member list changes by statute)."""

    compact = models.ForeignKey(Compact, on_delete=models.CASCADE, related_name="members")
    jurisdiction = models.CharField(max_length=8, help_text="ISO 3166-2, e.g. US-PA")

    class Meta:
        ordering = ["compact", "jurisdiction"]
        constraints = [models.UniqueConstraint(fields=["compact", "jurisdiction"], name="one_membership_per_compact")]

    def __str__(self) -> str:
        return f"{self.compact.slug}: {self.jurisdiction}"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NONBINARY = "nonbinary", "Non-binary"
    UNSPECIFIED = "", "Prefer not to say"


# What booking offers a therapist who has never saved a scheduling policy (the policy's field
# defaults: video, audio call, live chat; in person needs an office address). Scheduling publishes
# the real set whenever a policy or a profile is written; the synthetic seeder uses this directly
# (bulk inserts send no signals). A scheduling test pins it to ``SchedulingPolicy``'s defaults.
UNSET_POLICY_MODALITIES = ("video", "audio", "chat")
# Letters (asynchronous messaging) come with every care relationship and cannot be switched off,
# so every profile lists them; the reply time beside them is the messaging setting.
ALWAYS_LISTED_MODALITIES = ("messaging",)
# What the automatic reply promises a therapist who has never saved messaging settings
# (``TherapistMessagingSettings.reply_within_hours``' default; a messaging test pins the two).
DEFAULT_REPLY_HOURS = 24
# Columns other apps own and write with UPDATE: a full save of a profile loaded earlier must not
# write its stale copy back (see ``TherapistProfile.save``).
PUBLISHED_COLUMNS = frozenset({"response_time_hours"})


class TherapistProfile(models.Model):
    """What a therapist tells prospective clients. Public unless staff hide it.

    Two facts are not the therapist's to type here, because another setting already governs them
    and the two could contradict each other in front of a client: how sessions can happen
    (``modalities``, published by scheduling from the scheduling policy) and the typical reply time
    (``response_time_hours``, published by messaging from the messaging settings).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="therapist_profile")
    slug = models.SlugField(max_length=80, unique=True, help_text="Stable public URL; never changes after creation.")
    display_name = models.CharField(max_length=80)
    pronouns = models.CharField(max_length=30, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True, default="")
    photo = models.CharField(max_length=80, blank=True, help_text="Storage name of the re-encoded photo")
    headline = models.CharField(max_length=140, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    credentials = models.CharField(max_length=140, blank=True, help_text="e.g. PhD, LCSW")
    years_in_practice = models.PositiveSmallIntegerField(default=0)
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="profiles")
    approaches = models.ManyToManyField(Approach, blank=True, related_name="profiles")
    populations = models.ManyToManyField(Population, blank=True, related_name="profiles")
    competencies = models.ManyToManyField(Competency, blank=True, related_name="profiles")
    languages = models.ManyToManyField(Language, blank=True, related_name="profiles")
    modalities = models.ManyToManyField(
        Modality,
        blank=True,
        related_name="profiles",
        editable=False,
        help_text="Published from the scheduling policy (what booking accepts), plus messaging; never edited here.",
    )
    insurance = models.ManyToManyField(InsurancePayer, blank=True, related_name="profiles")
    in_person_address = models.CharField(max_length=200, blank=True, help_text="Where in-person sessions happen")
    fee = models.PositiveIntegerField(default=0, help_text="Per session, whole currency units")
    currency = models.CharField(max_length=3, default="USD")
    sliding_scale = models.BooleanField(default=False)
    accepting_new_clients = models.BooleanField(default=True)
    response_time_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_REPLY_HOURS,
        editable=False,
        help_text="Typical reply time: published from the messaging settings (reply_within_hours); never edited here.",
    )
    hidden = models.BooleanField(default=False, help_text="Hidden by staff: out of search and public pages")
    hidden_reason = models.CharField(max_length=200, blank=True)
    search_text = models.TextField(blank=True, editable=False, help_text="Lower-case name, headline and bio")
    # Filled by scheduling through services.update_availability_summary.
    soonest_open_at = models.DateTimeField(null=True, blank=True, db_index=True)
    has_evening = models.BooleanField(default=False)
    has_weekend = models.BooleanField(default=False)
    open_slots_30d = models.PositiveIntegerField(default=0)
    availability_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [
            # Covering index for search: licensure gives user ids; filtering, counting and ordering
            # then read only this narrow index, never the wide rows with bios.
            models.Index(
                fields=[
                    "user",
                    "hidden",
                    "accepting_new_clients",
                    "soonest_open_at",
                    "fee",
                    "gender",
                    "has_evening",
                    "has_weekend",
                    "display_name",
                    "id",
                ],
                name="dir_profile_search",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_text = " ".join([self.display_name, self.headline, self.bio]).lower()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        elif self._updates_existing_row(args, kwargs):
            # Messaging rewrites the reply time with an UPDATE; an instance loaded before that must
            # not put its old value back when the therapist saves their bio.
            deferred = self.get_deferred_fields()  # as Django does: a partly loaded instance saves what it loaded
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in PUBLISHED_COLUMNS and f.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def _updates_existing_row(self, args, kwargs) -> bool:
        forced = args or kwargs.get("force_insert") or kwargs.get("force_update")
        return not forced and not self._state.adding

    @property
    def name_with_credentials(self) -> str:
        """ "Chloe Nguyen, LMFT" — once, even when the name someone typed already ends with them."""
        credentials = (self.credentials or "").strip()
        if not credentials or self.display_name.rstrip().lower().endswith(credentials.lower()):
            return self.display_name
        return f"{self.display_name}, {credentials}"

    def card_terms(self, relation: str) -> list:
        """The terms a card shows: attached by search from its index row (no query), else the relation."""
        attached = getattr(self, "listed_terms", None)
        return attached[relation] if attached is not None else list(getattr(self, relation).all())

    @property
    def card_specialties(self) -> list:
        return self.card_terms("specialties")

    @property
    def card_languages(self) -> list:
        return self.card_terms("languages")

    @property
    def card_modalities(self) -> list:
        return self.card_terms("modalities")

    @property
    def offers_in_person(self) -> bool:
        """Booking accepts in-person sessions (so the public "where" is worth showing)."""
        return any(term.slug == "in-person" for term in self.card_modalities)

    def is_open_soon(self, now=None) -> bool:
        """Accepting new clients and something open in the next 30 days (the no-ghost rule)."""
        now = now or timezone.now()
        if not self.accepting_new_clients or self.soonest_open_at is None:
            return False
        return now <= self.soonest_open_at <= now + timedelta(days=30)


class SearchEntry(models.Model):
    """A denormalised search row: one per (licence jurisdiction, listed profile), plus one per PSYPACT holder.

        Search and matching read only this table, so a query is one index range on
        ``(jurisdiction, valid_until)`` and a scan of narrow rows — no join per
        filter, no licence or compact joins, no account join. ``jurisdiction`` is
        the *licence's* jurisdiction (``US-NY``, ``DE``) or ``*psypact`` for the
        compact privilege; a client in ``DE-BE`` looks up ``DE-BE`` and ``DE`` (and
        ``*psypact`` in member states), see ``licensure.lookup_keys``; a profile's
    rows never overlap in time for one lookup, so counts need no DISTINCT. Rows exist
        only for listed profiles (not hidden, account active) and are kept in step
        by ``search_index`` (signals on every write path, plus
        ``manage.py rebuild_search_index``). Expiry needs no task: queries compare
        ``valid_until`` with today.
    """

    jurisdiction = models.CharField(max_length=10)
    profile = models.ForeignKey(TherapistProfile, on_delete=models.CASCADE, related_name="search_entries")
    # The row counts on days d with valid_after < d <= valid_until. valid_after is date.min unless a
    # wider key of the same profile already covers earlier days (see search_index._trimmed), so a
    # lookup never meets two rows of one profile and needs no DISTINCT.
    valid_after = models.DateField(default=date.min)
    valid_until = models.DateField()
    accepting_new_clients = models.BooleanField(default=True)
    soonest_open_at = models.DateTimeField(null=True, blank=True)
    fee = models.PositiveIntegerField(default=0)
    sliding_scale = models.BooleanField(default=False)
    gender = models.CharField(max_length=12, blank=True, default="")
    has_evening = models.BooleanField(default=False)
    has_weekend = models.BooleanField(default=False)
    display_name = models.CharField(max_length=80)
    headline = models.CharField(max_length=140, blank=True, default="")  # text relevance without a join
    # Taxonomy slugs as "|slug|slug|": a filter is one LIKE on a short column.
    tags_specialties = models.TextField(blank=True, default="|")
    tags_approaches = models.TextField(blank=True, default="|")
    tags_populations = models.TextField(blank=True, default="|")
    tags_competencies = models.TextField(blank=True, default="|")
    tags_languages = models.TextField(blank=True, default="|")
    tags_modalities = models.TextField(blank=True, default="|")
    tags_insurance = models.TextField(blank=True, default="|")

    class Meta:
        ordering = ["jurisdiction", "display_name", "id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "profile"], name="dir_entry_unique")]
        # Covering: counting and ordering read only this index; rows are visited for tags only.
        indexes = [
            models.Index(
                fields=[
                    "jurisdiction",
                    "valid_until",
                    "valid_after",
                    "accepting_new_clients",
                    "soonest_open_at",
                    "fee",
                    "gender",
                    "has_evening",
                    "has_weekend",
                    "display_name",
                    "profile",
                ],
                name="dir_entry_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.jurisdiction}"


class Licence(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending verification"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="licences")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences")
    number = models.CharField(max_length=40)
    jurisdiction = models.CharField(max_length=8, db_index=True, help_text="ISO 3166-2 (US-NY) or country (DE)")
    issuing_board = models.CharField(max_length=140, blank=True)
    expires_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    psypact_privilege = models.BooleanField(
        default=False, help_text="Holds the PSYPACT interstate telepsychology privilege (APIT) on this licence"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "expires_on"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "expires_on"], name="dir_licence_lookup"),
            # PSYPACT holders are few: search starts from them instead of every licence in 40 states.
            models.Index(
                fields=["status", "expires_on"],
                condition=models.Q(psypact_privilege=True),
                name="dir_licence_psypact_holders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type} {self.jurisdiction} ({self.get_status_display()})"


class MatchingAnswers(models.Model):
    """A client's matching questionnaire. The answers are PHI: one ciphertext column."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matching_answers")
    answers = EncryptedJSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "matching answers"

    def __str__(self) -> str:
        return f"matching answers {str(self.id)[:8]}"
