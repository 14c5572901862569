"""Directory search: one validated filter parser and one query, shared by the page and the API.

The parser turns untrusted query parameters into a ``SearchFilters`` or raises
``FilterError`` with a sentence a person can act on; the page answers 400 with
it, the API 422. ``search`` applies the filters, the licensure rule and the
no-ghost rule: therapists not accepting new clients or with nothing open in
the next 30 days are hidden by default and always ranked after the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When, Window
from django.utils import timezone

from confide.core.jurisdictions import normalise_jurisdiction
from confide.directory import models, search_index, taxonomy
from confide.directory.licensure import licensed_in_q, lookup_keys

PAGE_SIZE = 20
MAX_PAGE = 100
MAX_TEXT = 200
MAX_TOKENS = 8
OPEN_WINDOW = timedelta(days=30)
SORTS = {"relevance": "Relevance", "soonest": "Soonest availability", "fee": "Lowest fee"}
# filter name → (taxonomy model, relation on TherapistProfile)
TERM_FILTERS: dict[str, tuple[type[models.Term], str]] = {
    "specialty": (models.Specialty, "specialties"),
    "approach": (models.Approach, "approaches"),
    "population": (models.Population, "populations"),
    "language": (models.Language, "languages"),
    "modality": (models.Modality, "modalities"),
    "competency": (models.Competency, "competencies"),
    "insurance": (models.InsurancePayer, "insurance"),
}
FLAGS = ("evenings", "weekends", "include_unavailable")
PARAMS = ("jurisdiction", "q", "gender", "max_fee", "within_days", "sort", "page", *TERM_FILTERS, *FLAGS)


class FilterError(ValidationError):
    """Bad search input; the message is safe to show."""


@dataclass(frozen=True)
class SearchFilters:
    jurisdiction: str
    q: str = ""
    terms: dict[str, str] = field(default_factory=dict)  # filter name → slug
    gender: str = ""
    max_fee: int | None = None
    within_days: int | None = None
    evenings: bool = False
    weekends: bool = False
    include_unavailable: bool = False
    sort: str = "relevance"
    page: int = 1

    def to_params(self, **changes) -> dict[str, str]:
        """Query parameters that reproduce these filters (for shareable links, pagination)."""
        filters = replace(self, **changes) if changes else self
        params = {"jurisdiction": filters.jurisdiction, "q": filters.q, **filters.terms, "gender": filters.gender}
        params |= {"max_fee": filters.max_fee, "within_days": filters.within_days, "sort": filters.sort}
        params |= {flag: "1" for flag in FLAGS if getattr(filters, flag)}
        params["page"] = filters.page if filters.page != 1 else None
        return {k: str(v) for k, v in params.items() if v not in (None, "") and not (k == "sort" and v == "relevance")}


def parse_filters(params: Mapping, *, default_jurisdiction: str = "", ignore_unknown: bool = False) -> SearchFilters:
    """Validate query parameters (a QueryDict or a plain dict). Raises FilterError.

    ``ignore_unknown``: the search page drops parameters it does not know (``utm_source``, ``fbclid`` that
    mail clients and social networks add to a shared link); the API keeps refusing them, so a typo
    in a program's filter name is a 422, not a silently wider search.
    """
    unknown = set(params) - set(PARAMS) if ignore_unknown else set()
    if unknown:
        params = params.copy()  # a QueryDict's copy is mutable and keeps repeated values (refused below)
        for name in unknown:
            del params[name]
    values = _single_values(params)
    jurisdiction = values.get("jurisdiction") or default_jurisdiction
    if not jurisdiction:
        raise FilterError("Choose where you are (a country, or a state such as US-NY): it decides who may treat you.")
    try:
        jurisdiction = normalise_jurisdiction(jurisdiction)
    except ValidationError as exc:
        raise FilterError(" ".join(exc.messages)) from exc
    return SearchFilters(
        jurisdiction=jurisdiction,
        q=values.get("q", "").strip(),
        terms={name: _term(name, values[name]) for name in TERM_FILTERS if values.get(name)},
        gender=_choice("gender", values.get("gender", ""), [g for g in models.Gender.values if g]),
        max_fee=_integer("max_fee", values.get("max_fee"), 0, 100_000),
        within_days=_integer("within_days", values.get("within_days"), 1, 90),
        sort=_choice("sort", values.get("sort", ""), list(SORTS)) or "relevance",
        page=_integer("page", values.get("page"), 1, MAX_PAGE) or 1,
        **{flag: _flag(flag, values.get(flag, "")) for flag in FLAGS},
    )


def _single_values(params: Mapping) -> dict[str, str]:
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        shown = ", ".join(repr(name[:30]) for name in unknown[:5])
        raise FilterError(f"Unknown search filter {shown}. Known filters: {', '.join(PARAMS)}.")
    values = {}
    for name in params:
        given = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        given = [str(v) for v in given if v not in (None, "")]
        if len(given) > 1:
            raise FilterError(f"Give one value for {name!r}.")
        value = given[0] if given else ""
        if "\x00" in value:
            raise FilterError(f"The value of {name!r} contains a character that is not allowed.")
        if len(value) > MAX_TEXT:
            raise FilterError(f"The value of {name!r} is too long (at most {MAX_TEXT} characters).")
        values[name] = value
    return values


def _term(name: str, slug: str) -> str:
    if not taxonomy.is_active(TERM_FILTERS[name][1], slug):
        raise FilterError(f"{slug[:40]!r} is not a known {name}.")
    return slug


def _choice(name: str, value: str, allowed: list[str]) -> str:
    if value and value not in allowed:
        raise FilterError(f"{value[:40]!r} is not a valid {name}; choose one of {', '.join(allowed)}.")
    return value


def _integer(name: str, value: str | None, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    if not re.fullmatch(r"\d{1,9}", value.strip()):
        raise FilterError(f"{name} must be a whole number between {low} and {high}.")
    number = int(value)
    if not low <= number <= high:
        raise FilterError(f"{name} must be between {low} and {high}.")
    return number


def _flag(name: str, value: str) -> bool:
    if value not in ("", "0", "1", "on", "true", "false"):
        raise FilterError(f"{name} is a yes/no filter: use 1 or 0.")
    return value in ("1", "on", "true")


@dataclass
class SearchPage:
    filters: SearchFilters
    results: list[models.TherapistProfile]
    total: int  # matching the filters, as shown
    unavailable: int  # matching but hidden by the no-ghost filter
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < min(self.pages, MAX_PAGE)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search(filters: SearchFilters, *, now: datetime | None = None, today: date | None = None) -> SearchPage:
    """Run a search: the page and both counts from the search index, then the page's cards (one query)."""
    now = now or timezone.now()
    keys = lookup_keys(filters.jurisdiction, taxonomy.psypact_members())
    base = entries_for(filters.jurisdiction, today or timezone.localdate(), keys=keys)
    base = _apply_filters(base, filters, now, keys).annotate(open_soon=open_soon_expr(now))
    ranked = _ordered(base.annotate(rank=text_rank(text_tokens(filters.q))), filters)
    start = (filters.page - 1) * PAGE_SIZE
    if _visits_rows(filters):
        rows = list(_with_counts(ranked)[start : start + PAGE_SIZE])
        matching, open_total = (rows[0][2], rows[0][3]) if rows else _counts(base)
    else:
        matching, open_total = _counts(base)
        rows = list(ranked.values_list("profile_id", "open_soon")[start : start + PAGE_SIZE])
    total = matching if filters.include_unavailable else open_total
    # Open rows sort first, so without include_unavailable the page is the open prefix of this order.
    ids = [profile_id for profile_id, open_soon, *_ in rows if open_soon or filters.include_unavailable]
    pages = max(1, -(-total // PAGE_SIZE))
    return SearchPage(filters, _cards(ids, keys), total, matching - open_total, filters.page, pages)


def _visits_rows(filters: SearchFilters) -> bool:
    """Does the filter read more than the covering index ``dir_entry_lookup`` (taxonomy tags, free text)?

    Then counting and paging in one scan (window counts) saves visiting every candidate row twice.
    Otherwise two index-only scans are cheaper than materialising the rows for a window (SQLite: by
    2-3x at 5,000 candidates).
    """
    return bool(filters.terms or text_tokens(filters.q))


def _with_counts(ranked: QuerySet) -> QuerySet:
    """The rows in display order, each carrying both counts (window aggregates over the whole result)."""
    counted = ranked.annotate(matching=Window(Count("profile_id")), open_total=Window(Sum("open_soon")))
    return counted.values_list("profile_id", "open_soon", "matching", "open_total")


def _counts(base: QuerySet) -> tuple[int, int]:
    counts = base.aggregate(matching=Count("profile_id"), open=Count("profile_id", filter=Q(open_soon=1)))
    return counts["matching"], counts["open"]


CARD_RELATIONS = ("specialties", "languages", "modalities")


def _cards(ids: list, keys: list[str]) -> list[models.TherapistProfile]:
    return profiles_from_index(ids, keys, CARD_RELATIONS)


def profiles_from_index(
    ids: list, keys: list[str], relations: tuple[str, ...], *, with_user: bool = False
) -> list[models.TherapistProfile]:
    """Profiles in the order of ``ids``, with the terms of ``relations`` attached from their search rows'
    tags and the cached taxonomies (``profile.card_terms``): one query instead of one per relation.
    Bios and search text stay in the database."""
    entries = models.SearchEntry.objects.filter(profile_id__in=ids, jurisdiction__in=keys)
    entries = entries.select_related("profile__user" if with_user else "profile")
    entries = entries.defer("profile__bio", "profile__search_text").order_by()
    by_id = {}
    for entry in entries:
        if entry.profile_id not in by_id:  # a profile's rows carry the same tags
            entry.profile.listed_terms = {rel: taxonomy.listed(rel, getattr(entry, f"tags_{rel}")) for rel in relations}
            by_id[entry.profile_id] = entry.profile
    return [by_id[i] for i in ids if i in by_id]  # one hidden since the page query is simply left out


def entries_for(jurisdiction: str, today: date, *, keys: list[str] | None = None) -> QuerySet:
    """Search-index rows of therapists who may treat in ``jurisdiction`` today: at most one per profile.

    A profile can hold rows under two of the lookup keys (a New York licence and
    the PSYPACT privilege); their validity periods never overlap (see
    ``search_index._trimmed``), so counting needs no DISTINCT.
    """
    keys = keys if keys is not None else lookup_keys(jurisdiction)
    return models.SearchEntry.objects.filter(
        jurisdiction__in=keys, valid_until__gte=today, valid_after__lt=today
    ).order_by()


def listable(jurisdiction: str, today: date, members: set[str] | None = None) -> QuerySet:
    """Visible profiles whose therapist may treat in ``jurisdiction`` today, straight from the normalised tables.

    The reference for the search index: tests compare ``entries_for`` with it.
    """
    return models.TherapistProfile.objects.filter(hidden=False, user__is_active=True).filter(
        licensed_in_q(jurisdiction, today, members)
    )


def open_soon_expr(now: datetime) -> Case:
    """1 when accepting new clients and something is open within 30 days, else 0."""
    return Case(
        When(
            accepting_new_clients=True,
            soonest_open_at__gte=now,
            soonest_open_at__lte=now + OPEN_WINDOW,
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _apply_filters(qs: QuerySet, filters: SearchFilters, now: datetime, keys: list[str]) -> QuerySet:
    for name, slug in filters.terms.items():
        qs = qs.filter(has_term(TERM_FILTERS[name][1], slug))
    if filters.gender:
        qs = qs.filter(gender=filters.gender)
    if filters.max_fee is not None:
        qs = qs.filter(fee__lte=filters.max_fee)
    if filters.within_days is not None:
        qs = qs.filter(soonest_open_at__gte=now, soonest_open_at__lte=now + timedelta(days=filters.within_days))
    if filters.evenings:
        qs = qs.filter(has_evening=True)
    if filters.weekends:
        qs = qs.filter(has_weekend=True)
    tokens = text_tokens(filters.q)
    if tokens:  # every word must start a word of the name, headline or bio (full-text index, see search_index)
        qs = qs.filter(profile_id__in=search_index.text_matches(tokens, keys))
    return qs


def has_term(relation: str, slug: str) -> Q:
    """Search-index rows whose profile lists this taxonomy term."""
    return Q(**{f"tags_{relation}__contains": f"|{slug}|"})


def text_tokens(q: str) -> list[str]:
    return [t for t in re.findall(r"\w+", q.lower()) if len(t) >= 2][:MAX_TOKENS]


def text_rank(tokens: list[str]):
    """Relevance of a text match: per word, 3 if in the name, else 2 if in the headline, else 1 (bio)."""
    if not tokens:
        return Value(0, output_field=IntegerField())
    weights = [
        Case(
            When(display_name__icontains=token, then=Value(3)),
            When(headline__icontains=token, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
        for token in tokens
    ]
    total = weights[0]
    for weight in weights[1:]:
        total = total + weight
    return total


def _ordered(qs: QuerySet, filters: SearchFilters) -> QuerySet:
    soonest = F("soonest_open_at").asc(nulls_last=True)
    if filters.sort == "fee":
        return qs.order_by("-open_soon", "fee", soonest, "profile_id")
    if filters.sort == "soonest":
        return qs.order_by("-open_soon", soonest, "fee", "profile_id")
    return qs.order_by("-open_soon", "-rank", soonest, "display_name", "profile_id")
