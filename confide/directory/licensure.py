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
    """May ``therapist`` treat a client who is in ``jurisdiction`` on day ``on`` (default today)?"""
    try:
        code = normalise_jurisdiction(jurisdiction)
    except ValidationError as exc:
        return Decision(False, " ".join(exc.messages))
    if getattr(therapist, "role", None) != "therapist":
        return Decision(False, "Only therapists hold licences.")
    on = on or timezone.localdate()
    place = jurisdiction_name(code)
    direct = _current(therapist, on).filter(jurisdiction__in=covering_jurisdictions(code))
    licence = direct.select_related("licence_type").first()
    if licence is not None:
        return Decision(True, f"Licensed in {place} ({licence.licence_type.name}, valid until {licence.expires_on}).")
    members = psypact_members()
    if code in members and _psypact_licences(therapist, on, members).exists():
        return Decision(True, f"Licensed through PSYPACT to practise telepsychology in {place}.")
    return Decision(False, _refusal(therapist, code, place, on))


def _current(therapist, on: date):
    from confide.directory.models import Licence

    return Licence.objects.filter(therapist=therapist, status=Licence.Status.VERIFIED, expires_on__gte=on)


def _psypact_licences(therapist, on: date, members: set[str]):
    return _current(therapist, on).filter(
        psypact_privilege=True, licence_type__is_psychologist=True, jurisdiction__in=members
    )


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
