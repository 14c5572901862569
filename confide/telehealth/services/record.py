"""An ended visit as it actually ran: start, end, duration and the modality segments, for its two participants.

The segments are what the call recorded (``live._update_segment``): each stretch
in video, audio only, or chat only. Read in order they also tell what happened —
a connection lost and regained, a fall back from video to audio — which is what
a therapist checks before billing 95 or 93 and what a client may ask about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext
from confide.telehealth import policies
from confide.telehealth.models import Segment, Visit

MEDIA = (Segment.Modality.VIDEO, Segment.Modality.AUDIO)

CHANGES = {
    "connected": "Call connected",
    "lost": "Connection lost: chat only",
    "reconnected": "Reconnected",
    "fallback": "Switched to audio only",
    "video_back": "Video back",
}


@dataclass(frozen=True)
class SegmentLine:
    modality: str
    label: str  # "Audio and video", "Audio only", "Chat only (no media connection)"
    started_at: datetime
    ended_at: datetime
    seconds: int
    change: str  # what happened at its start, in words ('' for the first)


@dataclass(frozen=True)
class VisitRecord:
    started_at: datetime
    ended_at: datetime
    minutes: int  # as recorded on the appointment (rounded half up, what billing reads)
    segments: list[SegmentLine]
    reconnections: int  # media back after it was lost
    fallbacks: int  # video → audio only (a camera turned off, or video paused on a weak connection)
    seconds_by_modality: dict[str, int]


def visit_record(ctx: RequestContext, visit: Visit) -> VisitRecord:
    """The ended visit's times and segments. Side effects: audit ``visit.record_view``; Http404 for anyone else.

    Raises ValidationError for a visit that has not ended (its page is the live room).
    """
    authorize(ctx, policies.can_view_visit_record, visit, action="visit.record_view", subject=visit.appointment.client)
    if visit.state != Visit.State.ENDED or visit.started_at is None or visit.ended_at is None:
        raise ValidationError("This visit has not ended yet.")
    from confide.scheduling.services.visits import actual_minutes_between

    lines = _segment_lines(list(visit.segments.all()), visit.ended_at)
    totals = {choice: 0 for choice in Segment.Modality.values}
    for line in lines:
        totals[line.modality] += line.seconds
    return VisitRecord(
        started_at=visit.started_at,
        ended_at=visit.ended_at,
        minutes=actual_minutes_between(visit.started_at, visit.ended_at),
        segments=lines,
        reconnections=sum(1 for line in lines if line.change == CHANGES["reconnected"]),
        fallbacks=sum(1 for line in lines if line.change == CHANGES["fallback"]),
        seconds_by_modality=totals,
    )


def _segment_lines(segments: list[Segment], visit_end: datetime) -> list[SegmentLine]:
    lines, had_media, previous = [], False, None
    for segment in segments:
        ended = segment.ended_at or visit_end  # closed at the end; a stray open one counts up to it
        change = _change(previous, segment.modality, had_media)
        lines.append(
            SegmentLine(
                modality=segment.modality,
                label=segment.get_modality_display(),
                started_at=segment.started_at,
                ended_at=ended,
                seconds=max(0, int((ended - segment.started_at).total_seconds())),
                change=change,
            )
        )
        had_media = had_media or segment.modality in MEDIA
        previous = segment.modality
    return lines


def _change(previous: str | None, current: str, had_media: bool) -> str:
    """What a new segment means, given the one before it."""
    if current == Segment.Modality.CHAT:
        return CHANGES["lost"] if previous in MEDIA else ""
    if previous is None or previous == Segment.Modality.CHAT:
        return CHANGES["reconnected"] if had_media else CHANGES["connected"]
    if previous == Segment.Modality.VIDEO and current == Segment.Modality.AUDIO:
        return CHANGES["fallback"]
    return CHANGES["video_back"]
