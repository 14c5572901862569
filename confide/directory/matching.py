"""Matching: a client's questionnaire → a ranked, explained list of therapists.

See docs/matching.md. In short:

1. Hard constraints filter, never weigh: licensed where the client is now
   (``licensed_in_q``, the same rule as ``may_treat``), profile visible,
   accepting new clients, and — if the client says it is required — the
   session modality they need.
2. Soft preferences add points (``WEIGHTS``); the score is computed in SQL so
   ranking 100,000 profiles needs no Python loop.
3. Order: open within 30 days first (no ghosts on top), then score, then the
   soonest opening, then name and id — fully deterministic.
4. Each shown result gets reasons (what matched) and misses (what did not),
   computed from the same weights, so the explanation always adds up to the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from confide.core.jurisdictions import jurisdiction_name, normalise_jurisdiction
from confide.directory import models, policies, taxonomy
from confide.directory.client_dates import client_local_date
from confide.directory.licensure import Decision, lookup_keys, may_treat, may_treat_each
from confide.directory.search import entries_for, has_term, open_soon_expr, profiles_from_index
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext

WEIGHTS = {
    "concern": 3,  # per concern the therapist specialises in
    "language": 4,
    "gender": 2,
    "competency": 2,  # per competency
    "budget": 3,  # fee within budget, or insurance accepted
    "sliding_scale": 1,  # over budget but offers a sliding scale
    "modality": 2,  # preferred (not required) modality offered
    "evenings": 1,
    "weekends": 1,
}
MAX_CONCERNS = 5
MAX_COMPETENCIES = 5
TIMES = ("evenings", "weekends")
_RELATIONS = ("specialties", "competencies", "languages", "modalities", "insurance")


@dataclass(frozen=True)
class Match:
    profile: models.TherapistProfile
    score: int
    reasons: list[str]
    misses: list[str]


def clean_answers(raw: dict) -> dict:
    """Validate questionnaire answers into a canonical dict. Raises ValidationError (per field)."""
    answers = {
        "jurisdiction": _jurisdiction(raw.get("jurisdiction", "")),
        "concerns": _slugs(models.Specialty, raw.get("concerns") or [], "concerns", MAX_CONCERNS),
        "competencies": _slugs(models.Competency, raw.get("competencies") or [], "competencies", MAX_COMPETENCIES),
        "language": _one(models.Language, raw.get("language") or "", "language"),
        "modality": _one(models.Modality, raw.get("modality") or "", "modality"),
        "modality_required": bool(raw.get("modality_required")),
        "therapist_gender": raw.get("therapist_gender") or "",
        "max_fee": raw.get("max_fee"),
        "insurance": _one(models.InsurancePayer, raw.get("insurance") or "", "insurance"),
        "times": sorted(set(raw.get("times") or [])),
        "notes": str(raw.get("notes") or "")[:1000],
    }
    if answers["therapist_gender"] not in [g for g in models.Gender.values if g] + [""]:
        raise ValidationError({"therapist_gender": "Choose woman, man, non-binary or no preference."})
    if answers["max_fee"] not in (None, "") and not (
        isinstance(answers["max_fee"], int) and 0 <= answers["max_fee"] <= 100_000
    ):
        raise ValidationError({"max_fee": "A budget is a whole number between 0 and 100000."})
    answers["max_fee"] = answers["max_fee"] if answers["max_fee"] != "" else None
    if not set(answers["times"]) <= set(TIMES):
        raise ValidationError({"times": "Preferred times are evenings and/or weekends."})
    if answers["modality_required"] and not answers["modality"]:
        raise ValidationError({"modality": "Choose the session type you need."})
    return answers


def _jurisdiction(value: str) -> str:
    try:
        return normalise_jurisdiction(str(value))
    except ValidationError as exc:
        raise ValidationError({"jurisdiction": exc.messages}) from exc


def _slugs(model, values, name: str, limit: int) -> list[str]:
    values = sorted({str(v) for v in values})
    if len(values) > limit:
        raise ValidationError({name: f"Choose at most {limit}."})
    known = set(model.objects.filter(slug__in=values, active=True).values_list("slug", flat=True))
    if known != set(values):
        raise ValidationError({name: f"Unknown {name}: {', '.join(sorted(set(values) - known))[:100]}."})
    return values


def _one(model, value: str, name: str) -> str:
    return _slugs(model, [value], name, 1)[0] if value else ""


def submit_answers(ctx: RequestContext, client, raw: dict) -> models.MatchingAnswers:
    """Store a client's answers (encrypted; PHI). Side effect: audit ``directory.matching.submit``."""
    authorize(
        ctx,
        policies.can_answer_matching,
        client,
        action="directory.matching.submit",
        subject=client,
        hide_existence=False,
    )
    answers = clean_answers(raw)
    with transaction.atomic():
        return models.MatchingAnswers.objects.create(client=client, answers=answers)


def latest_answers(ctx: RequestContext, client) -> models.MatchingAnswers | None:
    """The client's most recent answers; reading them is audited (``directory.matching.view``)."""
    authorize(
        ctx,
        policies.can_answer_matching,
        client,
        action="directory.matching.view",
        subject=client,
        hide_existence=False,
    )
    return models.MatchingAnswers.objects.filter(client=client).first()


def rank(
    answers: dict, *, limit: int = 10, now: datetime | None = None, today: date | None = None, client=None
) -> list[Match]:
    """The best ``limit`` therapists for these (cleaned) answers, explained.

    Licences count on ``today`` at the client's location (``client_local_date``; where the answers say
    they are, when their zone is unset); without a client, the server's date.
    """
    now = now or timezone.now()
    if today is None:
        where = answers["jurisdiction"]
        today = client_local_date(client, now, jurisdiction=where) if client is not None else timezone.localdate(now)
    keys = lookup_keys(answers["jurisdiction"], taxonomy.psypact_members())
    qs = candidates(answers, today, keys=keys).annotate(open_soon=open_soon_expr(now), score=score_expr(answers))
    qs = qs.order_by("-open_soon", "-score", F("soonest_open_at").asc(nulls_last=True), "display_name", "profile_id")
    ids = list(qs.values_list("profile_id", flat=True)[:limit])
    rows = profiles_from_index(ids, keys, _RELATIONS, with_user=True)  # includes the card terms
    names = term_names()
    licensed = may_treat_each([profile.user for profile in rows], answers["jurisdiction"], on=today)
    return [
        explain(profile, answers, now=now, today=today, names=names, licensure=licensed[profile.user_id])
        for profile in rows
    ]


def candidates(answers: dict, today: date, *, keys: list[str] | None = None):
    """Hard constraints only (search-index rows)."""
    qs = entries_for(answers["jurisdiction"], today, keys=keys).filter(accepting_new_clients=True)
    if answers.get("modality_required") and answers.get("modality"):
        qs = qs.filter(has_term("modalities", answers["modality"]))
    return qs


def _has(relation: str, slug: str) -> Q:
    return has_term(relation, slug)


def _points(condition, weight: int) -> Case:
    return Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())


def score_expr(answers: dict):
    parts = [_points(_has("specialties", s), WEIGHTS["concern"]) for s in answers["concerns"]]
    parts += [_points(_has("competencies", s), WEIGHTS["competency"]) for s in answers["competencies"]]
    if answers["language"]:
        parts.append(_points(_has("languages", answers["language"]), WEIGHTS["language"]))
    if answers["therapist_gender"]:
        parts.append(_points(Q(gender=answers["therapist_gender"]), WEIGHTS["gender"]))
    if answers["modality"] and not answers["modality_required"]:
        parts.append(_points(_has("modalities", answers["modality"]), WEIGHTS["modality"]))
    parts += _budget_points(answers)
    parts += [_points(Q(**{f"has_{t[:-1]}": True}), WEIGHTS[t]) for t in answers["times"]]
    total = Value(0, output_field=IntegerField())
    for part in parts:
        total = total + part
    return total


def _budget_points(answers: dict) -> list:
    affordable = Q()
    if answers["max_fee"] is not None:
        affordable |= Q(fee__lte=answers["max_fee"])
    if answers["insurance"]:
        affordable |= _has("insurance", answers["insurance"])
    if not affordable:
        return []
    points = [_points(affordable, WEIGHTS["budget"])]
    if answers["max_fee"] is not None:
        points.append(_points(~affordable & Q(sliding_scale=True), WEIGHTS["sliding_scale"]))
    return points


def term_names() -> dict[str, dict[str, str]]:
    """slug → name for the taxonomies explanations mention (cached taxonomies, no query)."""
    return {rel: {slug: term.name for slug, term in taxonomy.terms(rel).items()} for rel in _RELATIONS}


def explain(
    profile, answers: dict, *, now: datetime, today: date, names: dict | None = None, licensure: Decision | None = None
) -> Match:
    """Reasons and misses for one profile; the reasons' weights add up to its score."""
    names = names or term_names()
    has = {rel: {t.slug for t in profile.card_terms(rel)} for rel in names}
    licensure = licensure or may_treat(profile.user, answers["jurisdiction"], on=today)
    reasons: list[tuple[str, int]] = [(licensure.reason, 0)]
    misses: list[str] = []

    def check(ok: bool, reason: str, miss: str, key: str) -> None:
        if ok:
            reasons.append((reason, WEIGHTS[key]))
        else:
            misses.append(miss)

    for slug in answers["concerns"]:
        name = names["specialties"].get(slug, slug)
        check(slug in has["specialties"], f"Specialises in {name}", f"Does not list {name}", "concern")
    for slug in answers["competencies"]:
        name = names["competencies"].get(slug, slug)
        check(slug in has["competencies"], name, f"Not listed as {name}", "competency")
    if answers["language"]:
        name = names["languages"].get(answers["language"], answers["language"])
        check(answers["language"] in has["languages"], f"Speaks {name}", f"Does not speak {name}", "language")
    if answers["therapist_gender"]:
        label = models.Gender(answers["therapist_gender"]).label.lower()
        check(
            profile.gender == answers["therapist_gender"],
            f"Is a {label} therapist",
            f"Not a {label} therapist",
            "gender",
        )
    if answers["modality"]:
        name = names["modalities"].get(answers["modality"], answers["modality"]).lower()
        if answers["modality_required"]:
            reasons.append((f"Offers {name} sessions (you need them)", 0))
        else:
            check(
                answers["modality"] in has["modalities"], f"Offers {name} sessions", f"No {name} sessions", "modality"
            )
    _explain_budget(profile, answers, names, has, reasons, misses)
    for time in answers["times"]:
        label = time[:-1]
        check(getattr(profile, f"has_{label}"), f"{label.capitalize()} availability", f"No {label} times", time)
    if not profile.is_open_soon(now):
        misses.append("No open times in the next 30 days")
    return Match(profile, sum(w for _, w in reasons), [text for text, _ in reasons], misses)


def _explain_budget(profile, answers: dict, names: dict, has: dict, reasons: list, misses: list) -> None:
    within = answers["max_fee"] is not None and profile.fee <= answers["max_fee"]
    insured = bool(answers["insurance"]) and answers["insurance"] in has["insurance"]
    if within:
        reasons.append((f"Fee {profile.fee} {profile.currency} is within your budget", WEIGHTS["budget"]))
    elif insured:
        reasons.append((f"Accepts {names['insurance'].get(answers['insurance'])}", WEIGHTS["budget"]))
    elif answers["max_fee"] is not None and profile.sliding_scale:
        reasons.append(("Offers a sliding scale", WEIGHTS["sliding_scale"]))
        misses.append(f"Fee {profile.fee} {profile.currency} is above your budget")
    elif answers["max_fee"] is not None or answers["insurance"]:
        misses.append("Outside your budget or insurance")


def place(answers: dict) -> str:
    return jurisdiction_name(answers["jurisdiction"])
