"""What booking will accept, date by date: the pages offer exactly the times booking would take.

Booking and rescheduling judge a time by its date at the client's location
(``client_local_date``): the therapist's licence there that day, and each way
of meeting under the jurisdiction's rules then in force. The booking and
reschedule pages ask the same questions of the same dates — through the same
functions, with the rules and licences read once per page — so they never
list a time the service would refuse, and can say why others are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from confide.directory.client_dates import client_local_date
from confide.scheduling import rules
from confide.scheduling.availability import policy_for


@dataclass(frozen=True)
class DateVerdict:
    """What booking will say about one date at the client's location: the licence, and each modality."""

    licence: str  # why the therapist may not treat the client that day ("" when they may)
    options: dict[str, rules.ModalityOption]

    def allows(self, modality: str | None) -> bool:
        return not self.licence and modality in self.options and self.options[modality].available


def judge_times(therapist, client, instants: list[datetime], *, ignore=None) -> list[DateVerdict]:
    """For each instant, booking's licence and modality answers on its date where the client is.

    A "video first" rule is judged at the instant itself, as booking judges it at
    the session's start: a video session booked for Thursday opens audio from
    Thursday's end, not for the whole page.
    ``ignore``: the appointment being rescheduled (it does not count as a prior video session).
    """
    policy, jurisdiction = policy_for(therapist), rules.client_jurisdiction(client)
    dates = [client_local_date(client, at, jurisdiction=jurisdiction) for at in instants]
    # Rules and licences are read once for the page, then judged per date: the page's
    # query count does not grow with the days it shows.
    book = rules.RuleBook(jurisdiction, client, therapist, ignore=ignore)
    licences = rules.licence_problems(therapist, client, list(dict.fromkeys(dates)), jurisdiction=jurisdiction)
    video_first = book.asks_for_prior_video()
    verdicts: dict[tuple[date, bool | None], DateVerdict] = {}
    out = []
    for at, on in zip(instants, dates, strict=True):
        key = (on, book.has_prior_video(at) if video_first else None)
        if key not in verdicts:
            options = rules.modality_options(
                policy, client, therapist, on, before=at, jurisdiction=jurisdiction, book=book
            )
            verdicts[key] = DateVerdict(licences[on], {o.modality: o for o in options})
        out.append(verdicts[key])
    return out


def offered_modalities(verdicts: list[DateVerdict]) -> list[rules.ModalityOption]:
    """Each modality, offered when some date allows it (a licence problem is reported on its own)."""
    usable = [v for v in verdicts if not v.licence] or verdicts
    return [
        next((v.options[m] for v in usable if v.options[m].available), usable[0].options[m]) for m in usable[0].options
    ]


def accepted(items: list, verdicts: list[DateVerdict], modality: str | None) -> list:
    """The items (slots, in the order judged) whose date allows ``modality``."""
    return [item for item, verdict in zip(items, verdicts, strict=False) if verdict.allows(modality)]


def reasons_left_out(verdicts: list[DateVerdict], modality: str | None) -> list[str]:
    """Why some times are not offered (a licence ending, a rule taking effect), once each."""
    reasons = (
        v.licence or f"{v.options[modality].label} is not available: {v.options[modality].reason}"
        for v in verdicts
        if not v.allows(modality)
    )
    return list(dict.fromkeys(reasons))
