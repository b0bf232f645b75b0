"""Printable A4 documents of business matching: a person's agenda (their meetings and the
conference sessions where they hold a seat), and the organisers' sheets for the day, one page per
table and per hosting booth, slot by slot with the two companies and names.

Text is printed as typed (fpdf2 reads no markup in cells): "<b>Công ty</b>" stays those
characters. Times are in the exhibition's zone, days in the language's one date style."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf.fonts import FontFace

from ..extensions import db
from ..i18n import local_date
from ..labels import label
from ..pdf import ACCENT, FONT, HEADING_FILL, INK, RULE, Sheet, nfc
from ..programme.models import BookingStatus
from ..visitors.models import Registration
from .agenda import AgendaItem, agenda_of
from .display import meeting_place
from .models import Meeting, MeetingSession, MeetingState, Participant, PlaceKind
from .participants import participant_of
from .slots import slot_end, slots_of

CANCELLED = (176, 42, 55)
LANGUAGES = ("vi", "en")


def _hours(start: datetime, end: datetime, tz) -> str:
    return f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"


def _person(participant: Participant) -> str:
    """ "Company – Name" (or the name alone)."""
    parts = [p for p in (nfc(participant.company), nfc(participant.name)) if p]
    return " – ".join(parts)


class _Sheet(Sheet):
    """An agenda or a table's sheet, with its title block and tables."""

    def title_block(self, title: str, lines: list[str]) -> None:
        self.set_font(FONT, "B", 16)
        self.set_text_color(*ACCENT)
        self.multi_cell(self.epw, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        for index, line in enumerate(lines):
            self.set_font(FONT, "B" if index == 0 else "", 11 if index == 0 else 9.5)
            self.multi_cell(self.epw, 5.5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_line_width(0.2)
        self.ln(3)

    def day_heading(self, text: str) -> None:
        self.ln(1)
        self.set_font(FONT, "B", 11)
        self.set_text_color(*ACCENT)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def rows(self, widths: tuple, headings: tuple, rows: list[tuple], cancelled=()) -> None:
        """A table with a heading row; rows whose index is in `cancelled` in red."""
        self.set_font(FONT, "", 9)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_fill_color(255, 255, 255)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5,
            padding=(1.4, 1.4),
            borders_layout="HORIZONTAL_LINES",
            cell_fill_mode="NONE",
            headings_style=FontFace(emphasis="BOLD", color=ACCENT, fill_color=HEADING_FILL),
            repeat_headings=1,
            v_align="TOP",
        ) as table:
            row = table.row()
            for text in headings:
                row.cell(text)
            for index, values in enumerate(rows):
                style = FontFace(color=CANCELLED) if index in cancelled else None
                row = table.row(style=style)
                for text in values:
                    row.cell(text)


# --- a person's agenda --------------------------------------------------------------------------


def agenda_filename(language: str) -> str:
    return "my-agenda.pdf" if language == "en" else "lich-lam-viec.pdf"


def render_agenda(registration: Registration, *, language: str | None = None) -> bytes:
    """The person's agenda on A4, in their language unless `language` says otherwise."""
    language = language if language in LANGUAGES else registration.language
    language = language if language in LANGUAGES else "vi"
    with force_locale(language):
        return _render_agenda(registration, language)


def _item_row(item: AgendaItem, tz, language: str) -> tuple[str, str, str, str]:
    hours = _hours(item.starts_at, item.ends_at, tz)
    if item.is_meeting:
        other = item.other
        what = f"{_('Meeting')}: {_person(other)}"
        state = _("Cancelled late") if item.late else str(label(item.meeting.state))
    else:
        what = f"{_('Session')}: {nfc(item.title(language))}"
        state = str(label(BookingStatus.SEATED))
    return hours, nfc(item.place(language)), what, state


def _render_agenda(registration: Registration, language: str) -> bytes:
    event = registration.event
    tz = event.tz
    event_name = nfc(event.tr("name", language))
    title = _("My agenda")
    pdf = _Sheet(f"{event_name} · {title}")
    pdf.set_title(f"{title} · {event_name}")
    pdf.set_author(nfc(event.tr("organiser", language) or event_name))
    pdf.add_page()
    participant = participant_of(registration)
    company = participant.company if participant is not None else registration.organisation
    pdf.title_block(
        title,
        [p for p in (nfc(registration.full_name), nfc(company), event_name) if p],
    )
    items = agenda_of(registration)
    if not items:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(pdf.epw, 6, _("Nothing in your agenda yet."), new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    days: dict = defaultdict(list)
    for item in items:
        days[item.starts_at.astimezone(tz).date()].append(item)
    headings = (_("Time"), _("Place"), _("With / session"), _("State"))
    for day, day_items in days.items():
        pdf.day_heading(nfc(local_date(day, "full")))
        pdf.rows(
            (28, 50, 76, 26),
            headings,
            [_item_row(item, tz, language) for item in day_items],
            cancelled={i for i, item in enumerate(day_items) if item.cancelled},
        )
        pdf.ln(3)
    return bytes(pdf.output())


# --- the organisers' table sheets -----------------------------------------------------------------


def tables_filename(session: MeetingSession) -> str:
    return f"matchmaking-{session.id}-tables.pdf"


def _published_meetings(session: MeetingSession) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.session_id == session.id,
                Meeting.state == MeetingState.SCHEDULED,
                Meeting.published.is_(True),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def render_tables(session: MeetingSession, *, language: str = "vi") -> bytes:
    """One A4 page per numbered table and per exhibitor hosting at its booth: the session's
    slots in order with the two companies and names of each published, scheduled meeting."""
    language = language if language in LANGUAGES else "vi"
    with force_locale(language):
        return _render_tables(session, language)


def _render_tables(session: MeetingSession, language: str) -> bytes:
    event = session.event
    tz = event.tz
    event_name = nfc(event.tr("name", language))
    session_name = nfc(session.tr("name", language))
    day = nfc(local_date(session.starts_at.astimezone(tz).date(), "full"))
    pdf = _Sheet(f"{event_name} · {session_name}")
    pdf.set_title(f"{session_name} · {_('Table sheets')}")
    pdf.set_author(nfc(event.tr("organiser", language) or event_name))
    meetings = _published_meetings(session)
    places: dict[tuple, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        if meeting.place_kind is PlaceKind.TABLE:
            places[("table", meeting.table_number)].append(meeting)
        else:
            places[("booth", meeting.exhibitor_id)].append(meeting)
    keys = [("table", n) for n in range(1, session.table_count + 1)]
    keys += [("booth", host.exhibitor_id) for host in session.hosts]
    keys += sorted(k for k in places if k not in keys)  # a table beyond today's count
    starts = slots_of(session)
    headings = (_("Time"), _("Participant 1"), _("Participant 2"))
    for key in keys:
        pdf.add_page()
        here = places.get(key, [])
        kind, number = key
        if here:
            place = nfc(meeting_place(here[0]))
        elif kind == "table":
            room = session.tr("room", language)
            place = _("Table %(number)d", number=number) + (f" · {room}" if room else "")
        else:
            host = next(h for h in session.hosts if h.exhibitor_id == number)
            place = nfc(
                _("Booth %(codes)s", codes=", ".join(b.code for b in host.exhibitor.booths))
                + " · "
                + host.exhibitor.tr("company_name", language)
            )
        pdf.title_block(place, [session_name, f"{day} · {event_name}"])
        by_start: dict[datetime, list[Meeting]] = defaultdict(list)
        for meeting in here:
            by_start[meeting.starts_at].append(meeting)
        rows = []
        for start in sorted({*starts, *by_start}):
            hours = _hours(start, slot_end(session, start), tz)
            for meeting in by_start.get(start) or [None]:
                if meeting is None:
                    rows.append((hours, "", ""))
                else:
                    rows.append((hours, _person(meeting.a), _person(meeting.b)))
        pdf.rows((26, 77, 77), headings, rows)
    if not keys:
        pdf.add_page()
        pdf.title_block(session_name, [f"{day} · {event_name}"])
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(pdf.epw, 6, _("This session has no tables or booths."))
    return bytes(pdf.output())
