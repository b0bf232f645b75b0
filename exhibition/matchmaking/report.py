"""The business-matching figures a department report quotes: requests, acceptances, meetings
scheduled and held, no-shows and "cooperation possible", in all and by sector, province and side.

How a figure is split: a request or a meeting counts once in each sector of either side (the
union of both people's sectors), in each province of either side, and on each side taking part
(a buyer meeting a supplier counts once as buyer and once as supplier). A no-show is one person
missing one meeting, counted in that person's sectors, province and side. So the rows of one
breakdown may add up to more than the total; the total counts each request or meeting once.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..labels import label, yes_no
from ..reference.models import Province, Sector
from ..visitors.models import Registration
from . import attendance
from .display import meeting_place
from .models import (
    Meeting,
    MeetingRequest,
    MeetingSession,
    MeetingState,
    Outcome,
    Participant,
    Rating,
    RequestState,
    Side,
    participant_sectors,
)

# The figures of a row, in the order pages and files show them.
FIGURES = (
    ("requested", _l("Requests made")),
    ("accepted", _l("Requests accepted")),
    ("scheduled", _l("Meetings scheduled")),
    ("held", _l("Meetings held")),
    ("no_shows", _l("No-shows")),
    ("cooperation", _l("Cooperation possible")),
)
ABROAD = "_abroad"


@dataclass
class Row:
    key: str
    name: str
    requested: int = 0
    accepted: int = 0
    scheduled: int = 0
    held: int = 0
    no_shows: int = 0
    cooperation: int = 0

    def figures(self) -> list[int]:
        return [getattr(self, name) for name, _label in FIGURES]


@dataclass
class Report:
    total: Row
    by_sector: list[Row] = field(default_factory=list)
    by_province: list[Row] = field(default_factory=list)
    by_side: list[Row] = field(default_factory=list)
    no_shows: list[tuple[Participant, int]] = field(default_factory=list)  # per person, most first


@dataclass
class _Person:
    sectors: set[str]
    province: str
    side: str


def _sessions(event: Event, session_id: int | None) -> list[int]:
    query = sa.select(MeetingSession.id).where(MeetingSession.event_id == event.id)
    if session_id is not None:
        query = query.where(MeetingSession.id == session_id)
    return list(db.session.scalars(query))


def _people(event: Event) -> dict[int, _Person]:
    people = {
        pid: _Person(set(), province or ABROAD, side.value)
        for pid, province, side in db.session.execute(
            sa.select(Participant.id, Registration.province_code, Participant.side)
            .join(Registration, Registration.id == Participant.registration_id)
            .where(Participant.event_id == event.id)
        )
    }
    for pid, code in db.session.execute(
        sa.select(participant_sectors.c.participant_id, participant_sectors.c.sector_code)
        .join(Participant, Participant.id == participant_sectors.c.participant_id)
        .where(Participant.event_id == event.id)
    ):
        people[pid].sectors.add(code)
    return people


class _Tally:
    """Counts by dimension and key; one item adds 1 to each key of the union of its people."""

    def __init__(self, people: dict[int, _Person]):
        self.people = people
        self.total: dict[str, int] = defaultdict(int)
        self.by = {
            dim: defaultdict(lambda: defaultdict(int)) for dim in ("sector", "province", "side")
        }

    def add(self, figure: str, *participant_ids: int) -> None:
        self.total[figure] += 1
        persons = [self.people[p] for p in participant_ids if p in self.people]
        keys = {
            "sector": set().union(*(p.sectors for p in persons)) if persons else set(),
            "province": {p.province for p in persons},
            "side": {p.side for p in persons},
        }
        for dim, values in keys.items():
            for value in values:
                self.by[dim][value][figure] += 1


def _rows(counts: dict, names: list[tuple[str, str]]) -> list[Row]:
    """Rows in the order of `names` (key, name), for the keys that have a figure."""
    return [Row(key, name, **counts[key]) for key, name in names if key in counts]


def build_report(
    *, event: Event, session_id: int | None = None, now: datetime | None = None
) -> Report:
    """The figures of the exhibition's business matching (of one session, if given)."""
    now = now or utcnow()
    session_ids = _sessions(event, session_id)
    tally = _Tally(_people(event))
    for requester, recipient, state in db.session.execute(
        sa.select(
            MeetingRequest.requester_id, MeetingRequest.recipient_id, MeetingRequest.state
        ).where(MeetingRequest.session_id.in_(session_ids))
    ):
        tally.add("requested", requester, recipient)
        if state is RequestState.ACCEPTED:
            tally.add("accepted", requester, recipient)
    cooperation = set(
        db.session.scalars(
            sa.select(Rating.meeting_id)
            .join(Meeting, Meeting.id == Rating.meeting_id)
            .where(Meeting.session_id.in_(session_ids), Rating.outcome == Outcome.COOPERATION)
        )
    )
    for meeting_id, a_id, b_id, held in db.session.execute(
        sa.select(Meeting.id, Meeting.a_id, Meeting.b_id, attendance.held_clause()).where(
            Meeting.session_id.in_(session_ids),
            Meeting.state == MeetingState.SCHEDULED,
            Meeting.published.is_(True),
        )
    ):
        tally.add("scheduled", a_id, b_id)
        if held:
            tally.add("held", a_id, b_id)
        if meeting_id in cooperation:
            tally.add("cooperation", a_id, b_id)
    missed: dict[int, int] = defaultdict(int)
    for _meeting, participant_id in attendance.no_show_pairs(session_ids=session_ids, now=now):
        tally.add("no_shows", participant_id)
        missed[participant_id] += 1
    sectors = [
        (s.code, s.tr("name"))
        for s in db.session.scalars(sa.select(Sector).order_by(Sector.position))
    ]
    provinces = [
        (p.code, p.tr("name"))
        for p in db.session.scalars(sa.select(Province).order_by(Province.position))
    ] + [(ABROAD, _("Abroad"))]
    sides = [(s.value, str(label(s))) for s in Side]
    people = db.session.scalars(sa.select(Participant).where(Participant.id.in_(missed))).all()
    return Report(
        total=Row("total", _("All"), **tally.total),
        by_sector=_rows(tally.by["sector"], sectors),
        by_province=_rows(tally.by["province"], provinces),
        by_side=_rows(tally.by["side"], sides),
        no_shows=sorted(((p, missed[p.id]) for p in people), key=lambda x: (-x[1], x[0].name)),
    )


# ---------------------------------------------------------------- the files


def figure_columns() -> list:
    return [_l("Breakdown"), _l("Group"), *(name for _key, name in FIGURES)]


def figure_rows(report: Report) -> list[list]:
    """The figures as one table: the total, then each breakdown's rows."""
    rows = [[_("All"), report.total.name, *report.total.figures()]]
    for title, group in (
        (_("Sector"), report.by_sector),
        (_("Province or city"), report.by_province),
        (_("Side"), report.by_side),
    ):
        rows += [[title, row.name, *row.figures()] for row in group]
    return rows


def meeting_columns() -> list:
    return [
        _l("Session"),
        _l("Starts"),
        _l("Place"),
        _l("Participant A"),
        _l("Company A"),
        _l("Participant B"),
        _l("Company B"),
        _l("Held"),
        _l("No-show"),
        _l("Rating by A"),
        _l("Rating by B"),
    ]


def meeting_rows(*, event: Event, session_id: int | None = None, now=None) -> list[list]:
    """One row per scheduled meeting: who met whom, held or who did not come, and their ratings."""
    now = now or utcnow()
    session_ids = _sessions(event, session_id)
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.session_id.in_(session_ids),
            Meeting.state == MeetingState.SCHEDULED,
            Meeting.published.is_(True),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    ratings = {
        (r.meeting_id, r.participant_id): r
        for r in db.session.scalars(
            sa.select(Rating).where(Rating.meeting_id.in_([m.id for m in meetings]))
        )
    }

    def rated(meeting, participant) -> str:
        rating = ratings.get((meeting.id, participant.id))
        if rating is None:
            return ""
        return (
            f"{label(rating.outcome)}: {rating.note}" if rating.note else str(label(rating.outcome))
        )

    rows = []
    for m in meetings:
        absent = [p.name for p in attendance.no_shows_of(m, now)]
        rows.append(
            [
                m.session.tr("name"),
                m.starts_at,
                meeting_place(m),
                m.a.name,
                m.a.company,
                m.b.name,
                m.b.company,
                yes_no(m.held),
                ", ".join(absent),
                rated(m, m.a),
                rated(m, m.b),
            ]
        )
    return rows


def chart_items(report: Report) -> list[dict]:
    """The funnel of the overview chart: each figure of the total."""
    return [
        {"key": key, "name": name, "count": getattr(report.total, key)} for key, name in FIGURES
    ]


def summary(*, event: Event) -> Report | None:
    """The report for the exhibition's overview page; None when it has no matchmaking session."""
    if not _sessions(event, None):
        return None
    return build_report(event=event)
