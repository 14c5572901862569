"""Who may treat whom where: the one place licensure is decided.

A therapist may treat a client located in jurisdiction J on day D when they
hold a *verified* licence, unexpired on D, that covers J — or when they are a
verified psychologist with the PSYPACT privilege on a licence from a member
jurisdiction and J is a member too. Expiry is checked at query time, so no
task has to run for an expired licence to stop counting.

``may_treat`` answers for one therapist (with a reason a person can read);
``licensed_in_q`` is the same rule as a query for search and matching. A test
checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from confide.core.jurisdictions import jurisdiction_name, normalise_jurisdiction

# Countries that license per state/province: a national code does not cover them.
SUBNATIONAL_LICENSING = frozenset({"US", "CA", "AU"})
PSYPACT = "psypact"
# The search-index key of the PSYPACT privilege (not a jurisdiction code: those never start with "*").
PSYPACT_KEY = "*psypact"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def covering_jurisdictions(code: str) -> list[str]:
    """Licence jurisdictions that cover a client in ``code`` (itself, maybe its country)."""
    country = code.split("-")[0]
    if "-" in code and country not in SUBNATIONAL_LICENSING:
        return [code, country]
    return [code]


def lookup_keys(code: str, members: set[str] | None = None) -> list[str]:
    """Search-index keys whose entries may treat a client in ``code``: the rule of ``may_treat`` as keys."""
    members = psypact_members() if members is None else members
    return covering_jurisdictions(code) + ([PSYPACT_KEY] if code in members else [])


def psypact_members() -> set[str]:
    from confide.directory.models import CompactMember

    return set(CompactMember.objects.filter(compact__slug=PSYPACT).values_list("jurisdiction", flat=True))


def may_treat(therapist, jurisdiction: str, *, on: date | None = None) -> Decision:
    """May ``therapist`` treat a client who is in ``jurisdiction`` on day ``on``?

    ``on`` is a date at the client's location: callers who know the client pass
    ``client_dates.client_local_date`` (booking, visits, matching). The default, the
    server's date, is only for callers with no client (anonymous directory browsing).
    """
    return may_treat_each([therapist], jurisdiction, on=on)[therapist.pk]


def may_treat_on_dates(therapist, jurisdiction: str, dates: list[date]) -> dict[date, Decision]:
    """``may_treat`` for one therapist on many dates: date → Decision, asked once per licence state.

    A decision depends on the date only through which of the therapist's licences
    have expired by then (``expires_on`` against the date). Dates that leave the
    same licences current get the same answer, so a booking page showing four
    weeks asks once, or twice when a licence ends inside them, not once per day.
    """
    from confide.directory.models import Licence

    expiries = list(Licence.objects.filter(therapist_id=therapist.pk).values_list("pk", "expires_on"))
    by_state: dict[frozenset, Decision] = {}
    out: dict[date, Decision] = {}
    for on in dates:
        state = frozenset(pk for pk, expires_on in expiries if expires_on >= on)
        if state not in by_state:
            by_state[state] = may_treat(therapist, jurisdiction, on=on)
        out[on] = by_state[state]
    return out


def may_treat_each(therapists: list, jurisdiction: str, *, on: date | None = None) -> dict:
    """``may_treat`` for several therapists at once: user id → Decision.

    The same rule with a constant number of queries (direct licences, compact members, compact
    licences) however many therapists ask — matching explains ten results per request.
    """
    try:
        code = normalise_jurisdiction(jurisdiction)
    except ValidationError as exc:
        return {t.pk: Decision(False, " ".join(exc.messages)) for t in therapists}
    on = on or timezone.localdate()
    place = jurisdiction_name(code)
    out = {t.pk: Decision(False, "Only therapists hold licences.") for t in therapists if not _is_therapist(t)}
    asking = [t.pk for t in therapists if t.pk not in out]
    direct = _current_of(asking, on).filter(jurisdiction__in=covering_jurisdictions(code))
    # Licence ordering (jurisdiction, expiry): each therapist's first licence is the one named, as before.
    for licence in direct.select_related("licence_type"):
        reason = f"Licensed in {place} ({licence.licence_type.name}, valid until {licence.expires_on})."
        out.setdefault(licence.therapist_id, Decision(True, reason))
    rest = [pk for pk in asking if pk not in out]
    members = psypact_members() if rest else set()
    if code in members:
        holders = _psypact_licences(_current_of(rest, on), members).values_list("therapist_id", flat=True)
        for pk in set(holders):
            out[pk] = Decision(True, f"Licensed through PSYPACT to practise telepsychology in {place}.")
    for therapist in therapists:
        if therapist.pk not in out:
            out[therapist.pk] = Decision(False, _refusal(therapist, code, place, on))
    return out


def _is_therapist(user) -> bool:
    return getattr(user, "role", None) == "therapist"


def _current_of(therapist_ids: list, on: date):
    from confide.directory.models import Licence

    return Licence.objects.filter(therapist_id__in=therapist_ids, status=Licence.Status.VERIFIED, expires_on__gte=on)


def _psypact_licences(current, members: set[str]):
    return current.filter(psypact_privilege=True, licence_type__is_psychologist=True, jurisdiction__in=members)


def _refusal(therapist, code: str, place: str, on: date) -> str:
    from confide.directory.models import Licence

    nearest = Licence.objects.filter(therapist=therapist, jurisdiction__in=covering_jurisdictions(code))
    if nearest.filter(status=Licence.Status.VERIFIED, expires_on__lt=on).exists():
        return f"The licence for {place} has expired."
    if nearest.filter(status=Licence.Status.PENDING).exists():
        return f"The licence for {place} is waiting for verification."
    return f"Not licensed in {place}."


def licensed_in_q(code: str, on: date, members: set[str] | None = None) -> Q:
    """A filter on TherapistProfile: its therapist may treat in ``code`` on ``on`` (same rule as may_treat).

    Written as ``user_id IN (direct licences) OR user_id IN (compact licences)``:
    both databases evaluate each as a small hashed/indexed list built from narrow
    index ranges — the licences for one jurisdiction
    (jurisdiction, status, expiry) and the few PSYPACT holders (privilege,
    status, expiry) — instead of testing every profile or every licence in
    forty member states.
    """
    from confide.directory.models import CompactMember, Licence

    members = psypact_members() if members is None else members
    current = Licence.objects.filter(status=Licence.Status.VERIFIED, expires_on__gte=on).order_by()
    direct = current.filter(jurisdiction__in=covering_jurisdictions(code)).values("therapist_id")
    if code not in members:
        return Q(user_id__in=direct)
    member_home = CompactMember.objects.filter(compact__slug=PSYPACT, jurisdiction=OuterRef("jurisdiction"))
    compact = current.filter(psypact_privilege=True, licence_type__is_psychologist=True).filter(Exists(member_home))
    return Q(user_id__in=direct) | Q(user_id__in=compact.values("therapist_id"))
