"""The verbs of the directory: profiles, licences, availability summary.

Each write takes ``ctx`` (who acts, from where), checks its policy through
``authorize`` (audited), writes in a transaction and records what changed.
Licensure decisions live in ``licensure.py`` and are re-exported here, since
``may_treat`` is what other apps call — with ``client_local_date`` (``client_dates.py``),
the date at the client's location that those decisions are judged on.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from confide.accounts.models import Role, User
from confide.core.jurisdictions import normalise_jurisdiction
from confide.directory import policies, search_index
from confide.directory.client_dates import client_local_date, jurisdiction_date
from confide.directory.licensure import Decision, licensed_in_q, may_treat, may_treat_on_dates
from confide.directory.models import (
    ALWAYS_LISTED_MODALITIES,
    Licence,
    LicenceType,
    Modality,
    TherapistProfile,
)
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

__all__ = [
    "Decision",
    "add_licence",
    "client_local_date",
    "hide_profile",
    "licensed_in_q",
    "may_treat",
    "may_treat_on_dates",
    "profile_for",
    "review_licence",
    "set_photo",
    "set_reply_time",
    "set_session_modalities",
    "update_availability_summary",
    "update_profile",
]

PROFILE_FIELDS = (
    "display_name",
    "pronouns",
    "gender",
    "headline",
    "bio",
    "credentials",
    "years_in_practice",
    "in_person_address",
    "fee",
    "currency",
    "sliding_scale",
    "accepting_new_clients",
)
TERM_FIELDS = ("specialties", "approaches", "populations", "competencies", "languages", "insurance")
# Facts the profile shows but another setting governs: refused here with where to change them.
PUBLISHED_ELSEWHERE = {
    "modalities": "Session types are set in your booking rules (Schedule → Types, prices and rules): "
    "the directory lists exactly what clients can book.",
    "response_time_hours": "Your typical reply time is set in your messaging settings (Messages → Reply time, "
    "working hours and automatic reply): the directory shows the same promise as your automatic reply.",
}


def new_slug(name: str) -> str:
    """Readable and unguessable enough: ``dr-tess-rivera-3f9a1c``. Never changes afterwards."""
    base = slugify(name)[:60] or "therapist"
    return f"{base}-{secrets.token_hex(3)}"


def profile_for(therapist: User) -> TherapistProfile:
    """The therapist's profile, created empty (accepting, no availability) on first use."""
    if therapist.role != Role.THERAPIST:
        raise ValidationError("Only therapists have directory profiles.")
    profile = TherapistProfile.objects.filter(user=therapist).first()
    if profile is None:
        name = therapist.display_name or "Therapist"
        profile, _ = TherapistProfile.objects.get_or_create(
            user=therapist, defaults={"display_name": name, "slug": new_slug(name)}
        )
    return profile


def update_profile(ctx: RequestContext, profile: TherapistProfile, *, fields: dict, terms: dict) -> TherapistProfile:
    """Save the owner's edits. ``fields`` are plain columns, ``terms`` taxonomy querysets/lists.

    Session types and reply time are refused (``PUBLISHED_ELSEWHERE``): they are published by the
    settings that govern them, so a caller that still sends them learns where they moved instead of
    believing they were saved. Side effects: audit event ``directory.profile.update``. Raises
    ValidationError on bad values.
    """
    authorize(ctx, policies.can_edit_therapist_profile, profile, action="directory.profile.update")
    elsewhere = sorted((set(fields) | set(terms)) & set(PUBLISHED_ELSEWHERE))
    if elsewhere:
        raise ValidationError({name: PUBLISHED_ELSEWHERE[name] for name in elsewhere})
    unknown = set(fields) - set(PROFILE_FIELDS) | set(terms) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown profile fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=["user", "slug", "photo", "search_text"])
    with transaction.atomic():
        profile.save()
        for name, values in terms.items():
            getattr(profile, name).set(values)
    return profile


def set_photo(ctx: RequestContext, profile: TherapistProfile, upload) -> TherapistProfile:
    """Replace the profile photo with a re-encoded, metadata-free copy under a random name."""
    from confide.directory.photos import delete_photo, store_photo

    authorize(ctx, policies.can_edit_therapist_profile, profile, action="directory.profile.photo")
    name = store_photo(upload)  # raises ValidationError for anything that is not a sane image
    old = profile.photo
    with transaction.atomic():
        profile.photo = name
        profile.save(update_fields=["photo", "updated_at"])
    if old:
        transaction.on_commit(lambda: delete_photo(old))
    return profile


def hide_profile(ctx: RequestContext, profile: TherapistProfile, *, hidden: bool, reason: str = "") -> None:
    """Staff take a profile out of search and public pages (or put it back). Audited."""
    action = "directory.profile.hide" if hidden else "directory.profile.show"
    authorize(ctx, policies.can_moderate_profiles, profile, action=action, hide_existence=False)
    reason = reason.strip()[:200]
    if hidden and not reason:
        raise ValidationError({"reason": "Say why the profile is hidden (the therapist will see it)."})
    with transaction.atomic():
        profile.hidden = hidden
        profile.hidden_reason = reason if hidden else ""
        profile.save(update_fields=["hidden", "hidden_reason", "updated_at"])


def add_licence(
    ctx: RequestContext,
    therapist: User,
    *,
    licence_type: LicenceType,
    number: str,
    jurisdiction: str,
    expires_on: date,
    issuing_board: str = "",
    psypact_privilege: bool = False,
    now: datetime | None = None,
) -> Licence:
    """A therapist declares a licence; it counts only once staff verify it. Audited.

    "Already expired" is judged on the licence's own jurisdiction's date (``now``:
    the moment of declaring, for tests): a Californian licence ending today may be
    entered on a Californian evening, when the UTC date is already tomorrow.
    """
    authorize(ctx, policies.can_add_licence, therapist, action="directory.licence.add", hide_existence=False)
    code = normalise_jurisdiction(jurisdiction)
    if expires_on < jurisdiction_date(code, now or timezone.now()):
        raise ValidationError({"expires_on": "This licence has already expired."})
    if psypact_privilege and not licence_type.is_psychologist:
        raise ValidationError({"psypact_privilege": "PSYPACT applies to licensed psychologists only."})
    with transaction.atomic():
        licence = Licence.objects.create(
            therapist=therapist,
            licence_type=licence_type,
            number=number.strip()[:40],
            jurisdiction=code,
            issuing_board=issuing_board.strip()[:140],
            expires_on=expires_on,
            psypact_privilege=psypact_privilege,
        )
        record_event(ctx, "directory.licence.created", object_type="licence", object_id=licence.pk)
    return licence


def review_licence(ctx: RequestContext, licence: Licence, *, verify: bool, note: str = "") -> Licence:
    """Staff verify or reject a licence after checking the board's register. Audited with the outcome."""
    authorize(ctx, policies.can_review_licence, licence, action="directory.licence.review", hide_existence=False)
    note = note.strip()[:200]
    if not verify and not note:
        raise ValidationError({"note": "Say why the licence is rejected."})
    with transaction.atomic():
        licence.status = Licence.Status.VERIFIED if verify else Licence.Status.REJECTED
        licence.reviewed_by = ctx.user
        licence.reviewed_at = timezone.now()
        licence.review_note = note
        licence.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
        record_event(
            ctx,
            "directory.licence.verified" if verify else "directory.licence.rejected",
            object_type="licence",
            object_id=licence.pk,
            reason=note,
        )
    return licence


def update_availability_summary(
    therapist: User,
    *,
    soonest_open_at: datetime | None,
    has_evening: bool,
    has_weekend: bool,
    open_slots_30d: int,
) -> None:
    """Scheduling tells the directory what is open, so search can rank without joining slots."""
    if soonest_open_at is not None and timezone.is_naive(soonest_open_at):
        raise ValidationError("soonest_open_at must be time-zone aware.")
    profile = profile_for(therapist)
    summary = {"soonest_open_at": soonest_open_at, "has_evening": has_evening, "has_weekend": has_weekend}
    with transaction.atomic():
        TherapistProfile.objects.filter(pk=profile.pk).update(
            **summary, open_slots_30d=max(0, int(open_slots_30d)), availability_updated_at=timezone.now()
        )
        search_index.update_availability(profile.pk, **summary)


def set_session_modalities(therapist_id, bookable: list[str]) -> None:
    """Scheduling tells the directory how sessions with this therapist can be booked (slugs such as
    ``video``, ``in-person``); ``messaging`` is added because letters come with every care relationship.

    The only writer of ``TherapistProfile.modalities``: called by scheduling whenever a policy or a
    profile is written, inside the writer's transaction, so the card, the profile page and the search
    filter (the index's ``tags_modalities``, rewritten by the m2m signal) agree with booking.
    A therapist without a profile yet has nothing to update; the profile's creation publishes again.
    """
    profile = TherapistProfile.objects.filter(user_id=therapist_id).first()
    if profile is None:
        return
    wanted = {*bookable, *ALWAYS_LISTED_MODALITIES}
    profile.modalities.set(list(Modality.objects.filter(slug__in=wanted).values_list("pk", flat=True)))


def set_reply_time(therapist_id, hours: int) -> None:
    """Messaging tells the directory the reply time its automatic reply promises (cards and profile show it).

    An UPDATE, not a save: the column is not in the search index, and ``TherapistProfile.save`` leaves it
    alone, so the two writers never overwrite each other.
    """
    TherapistProfile.objects.filter(user_id=therapist_id).update(response_time_hours=hours, updated_at=timezone.now())
