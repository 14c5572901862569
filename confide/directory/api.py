"""Directory endpoints: search (same parser as the page), profiles, licence review for staff."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema

from confide.core.schemas import StrictSchema
from confide.directory import matching, policies, services
from confide.directory.client_dates import reader_today
from confide.directory.models import Licence, TherapistProfile
from confide.directory.search import FilterError, parse_filters, search
from confide.privacy.audit import context_from_request

router = Router()


class SearchQuery(Schema):
    """Documented filters; validation is ``search.parse_filters`` (unknown parameters → 422)."""

    jurisdiction: str | None = None
    q: str | None = None
    specialty: str | None = None
    approach: str | None = None
    population: str | None = None
    language: str | None = None
    modality: str | None = None
    competency: str | None = None
    insurance: str | None = None
    gender: str | None = None
    max_fee: str | None = None
    within_days: str | None = None
    evenings: str | None = None
    weekends: str | None = None
    include_unavailable: str | None = None
    sort: str | None = None
    page: str | None = None


class CardOut(StrictSchema):
    slug: str
    url: str
    display_name: str
    pronouns: str
    credentials: str
    headline: str
    photo_url: str | None
    fee: int
    currency: str
    sliding_scale: bool
    accepting_new_clients: bool
    open_in_next_30_days: bool
    soonest_open_at: datetime | None
    has_evening: bool
    has_weekend: bool
    response_time_hours: int
    specialties: list[str]
    languages: list[str]
    modalities: list[str]


class SearchOut(StrictSchema):
    jurisdiction: str
    total: int
    unavailable_hidden: int
    page: int
    pages: int
    results: list[CardOut]


class LicenceOut(StrictSchema):
    id: UUID
    therapist: str
    licence_type: str
    number: str
    jurisdiction: str
    issuing_board: str
    expires_on: date
    status: str
    psypact_privilege: bool


class ReviewIn(StrictSchema):
    verify: bool
    note: str = ""


def card(profile: TherapistProfile, now: datetime | None = None) -> CardOut:
    from django.urls import reverse

    return CardOut(
        slug=profile.slug,
        url=reverse("directory:profile", args=[profile.slug]),
        display_name=profile.display_name,
        pronouns=profile.pronouns,
        credentials=profile.credentials,
        headline=profile.headline,
        photo_url=reverse("directory:photo", args=[profile.photo]) if profile.photo else None,
        fee=profile.fee,
        currency=profile.currency,
        sliding_scale=profile.sliding_scale,
        accepting_new_clients=profile.accepting_new_clients,
        open_in_next_30_days=profile.is_open_soon(now),
        soonest_open_at=profile.soonest_open_at,
        has_evening=profile.has_evening,
        has_weekend=profile.has_weekend,
        response_time_hours=profile.response_time_hours,
        specialties=[t.slug for t in profile.card_specialties],
        languages=[t.slug for t in profile.card_languages],
        modalities=[t.slug for t in profile.card_modalities],
    )


@router.get("/therapists", response=SearchOut, summary="Search therapists licensed in a jurisdiction")
def search_therapists(request, filters: Query[SearchQuery]):
    """Same filters as the /therapists/ page. Unknown filters or values → 422 with a readable ``detail``."""
    try:
        parsed = parse_filters(request.GET)
    except FilterError as exc:
        raise ValidationError(exc.messages) from exc
    result = search(parsed, today=reader_today(request.auth))
    now = timezone.now()
    return SearchOut(
        jurisdiction=parsed.jurisdiction,
        total=result.total,
        unavailable_hidden=0 if parsed.include_unavailable else result.unavailable,
        page=result.page,
        pages=result.pages,
        results=[card(p, now) for p in result.results],
    )


@router.get("/therapists/{slug}", response=CardOut, summary="One visible therapist profile")
def therapist(request, slug: str):
    profile = TherapistProfile.objects.select_related("user").filter(slug=slug[:80]).first()
    if profile is None or not policies.can_view_profile(request.auth, profile):
        raise Http404("Not found")
    return card(profile)


def _require_staff(request) -> None:
    if getattr(request.auth, "role", None) != "staff":
        raise PermissionDenied("Only staff review licences.")


@router.get("/licences/pending", response=list[LicenceOut], summary="Licences waiting for verification (staff)")
def pending_licences(request):
    _require_staff(request)
    rows = Licence.objects.filter(status=Licence.Status.PENDING).select_related("licence_type", "therapist")[:200]
    return [_licence_out(lic) for lic in rows]


@router.post("/licences/{licence_id}/review", response=LicenceOut, summary="Verify or reject a licence (staff)")
def review(request, licence_id: UUID, body: ReviewIn):
    _require_staff(request)
    licence = Licence.objects.select_related("licence_type", "therapist").filter(pk=licence_id).first()
    if licence is None:
        raise Http404("Not found")
    services.review_licence(context_from_request(request), licence, verify=body.verify, note=body.note)
    return _licence_out(licence)


def _licence_out(lic: Licence) -> LicenceOut:
    return LicenceOut(
        id=lic.pk,
        therapist=lic.therapist.display_name,
        licence_type=lic.licence_type.slug,
        number=lic.number,
        jurisdiction=lic.jurisdiction,
        issuing_board=lic.issuing_board,
        expires_on=lic.expires_on,
        status=lic.status,
        psypact_privilege=lic.psypact_privilege,
    )


class MatchingIn(StrictSchema):
    jurisdiction: str
    concerns: list[str] = []
    competencies: list[str] = []
    language: str = ""
    therapist_gender: str = ""
    modality: str = ""
    modality_required: bool = False
    max_fee: int | None = None
    insurance: str = ""
    times: list[str] = []
    notes: str = ""


class MatchOut(StrictSchema):
    therapist: CardOut
    score: int
    reasons: list[str]
    misses: list[str]


def _matches_out(answers: dict, client) -> list[MatchOut]:
    now = timezone.now()
    return [
        MatchOut(therapist=card(m.profile, now), score=m.score, reasons=m.reasons, misses=m.misses)
        for m in matching.rank(answers, now=now, client=client)
    ]


@router.post("/matching", response=list[MatchOut], summary="Answer the matching questionnaire (clients)")
def submit_matching(request, body: MatchingIn):
    """Stores the answers encrypted (audited) and returns the ranked, explained matches."""
    saved = matching.submit_answers(context_from_request(request), request.auth, body.dict())
    return _matches_out(saved.answers, request.auth)


@router.get("/matching", response=list[MatchOut], summary="My matches from my latest answers (clients)")
def my_matches(request):
    saved = matching.latest_answers(context_from_request(request), request.auth)
    if saved is None:
        raise Http404("Not found")
    return _matches_out(saved.answers, request.auth)
