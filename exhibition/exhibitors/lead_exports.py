"""An exhibitor's leads: the list its portal shows and filters, and the files it downloads (CSV,
Excel, vCard) with only what each person shares.

Every value of a person goes through `shared_details`, which reads `lead.is_shared`: withdrawn
or never-given consent leaves a row of times and counts (an anonymous visit), and a vCard none.
The English column names are the ones docs/leads-crm.md maps to Salesforce, HubSpot and Zoho.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from sqlalchemy.orm import selectinload

from ..errors import DomainError
from ..exports import chunked
from ..extensions import db
from ..i18n import current_language, local_datetime
from ..labels import label, yes_no
from ..text import fold
from ..visitors.services import provinces, sectors
from .lead_models import Lead, LeadNote, LeadQuestion, LeadRating
from .models import Exhibitor
from .qualification import questions_of


class LeadNotFound(DomainError):
    code = "not_found"
    status = 404


# (key, header): the English headers are docs/leads-crm.md's "our column" names.
PERSON_COLUMNS = [
    ("name", lazy_pgettext("lead export column", "Full Name")),
    ("organisation", lazy_pgettext("lead export column", "Company")),
    ("job_title", lazy_pgettext("lead export column", "Title")),
    ("email", lazy_pgettext("lead export column", "Email")),
    ("phone", lazy_pgettext("lead export column", "Phone")),
    ("province", lazy_pgettext("lead export column", "State/Province")),
    ("sectors", lazy_pgettext("lead export column", "Industry")),
]
VISIT_COLUMNS = [
    ("shared", lazy_pgettext("lead export column", "Details Shared")),
    ("rating", lazy_pgettext("lead export column", "Rating")),
    ("tags", lazy_pgettext("lead export column", "Tags")),
]
TIME_COLUMNS = [
    ("first_scan", lazy_pgettext("lead export column", "First Scan")),
    ("last_scan", lazy_pgettext("lead export column", "Last Scan")),
    ("scan_count", lazy_pgettext("lead export column", "Scan Count")),
    ("notes", lazy_pgettext("lead export column", "Notes")),
]

HEADERS = dict(PERSON_COLUMNS + VISIT_COLUMNS + TIME_COLUMNS)


@dataclass
class Filters:
    query: str = ""
    rating: LeadRating | None = None
    tag: str = ""


def lead_of(*, exhibitor: Exhibitor, lead_id: int) -> Lead:
    """One of the exhibitor's leads; another company's (or none) is not found."""
    lead = db.session.get(Lead, lead_id) if 0 < lead_id < 2**31 else None
    if lead is None or lead.exhibitor_id != exhibitor.id:
        raise LeadNotFound()
    return lead


def shared_details(lead: Lead, language: str | None = None) -> dict[str, str]:
    """The person's details as the exhibitor may see them: all blank unless shared."""
    if not lead.is_shared:
        return {key: "" for key, _ in PERSON_COLUMNS}
    language = language or current_language()
    province = {p.code: p.tr("name", language) for p in provinces()}.get(lead.province_code, "")
    names = {s.code: s.tr("name", language) for s in sectors()}
    return {
        "name": lead.name,
        "organisation": lead.organisation,
        "job_title": lead.job_title,
        "email": lead.email,
        "phone": lead.phone,
        "province": province,
        "sectors": "; ".join(names.get(code, code) for code in lead.sector_codes or ()),
    }


def find_leads(*, exhibitor: Exhibitor, filters: Filters | None = None) -> list[Lead]:
    """The exhibitor's leads, the latest scanned first, as filtered: a search of the shared
    details (diacritics and case ignored), a rating, a tag."""
    filters = filters or Filters()
    return list(_filtered(db.session.scalars(_leads_query(exhibitor, filters)), filters))


def stream_leads(*, exhibitor: Exhibitor, filters: Filters | None = None) -> Iterator[Lead]:
    """The leads of `find_leads`, read from the database a chunk at a time (for the files)."""
    filters = filters or Filters()
    yield from _filtered(chunked(_leads_query(exhibitor, filters)), filters)


def _leads_query(exhibitor: Exhibitor, filters: Filters):
    stmt = (
        sa.select(Lead)
        .where(Lead.exhibitor_id == exhibitor.id)
        .options(
            selectinload(Lead.scans),
            selectinload(Lead.notes).selectinload(LeadNote.scanner),
            selectinload(Lead.answers),
        )
        .order_by(Lead.last_scanned_at.desc(), Lead.id.desc())
    )
    if filters.rating is not None:
        stmt = stmt.where(Lead.rating == filters.rating)
    return stmt


def _filtered(leads: Iterable[Lead], filters: Filters) -> Iterator[Lead]:
    """The leads with the tag and the search words asked for (both read in Python)."""
    wanted = fold(filters.tag) if filters.tag else None
    words = fold(filters.query).split() if filters.query else None
    for lead in leads:
        if wanted is not None and not any(fold(tag) == wanted for tag in lead.tags or ()):
            continue
        if words is not None and not _matches(lead, words):
            continue
        yield lead


def _matches(lead: Lead, words: list[str]) -> bool:
    details = shared_details(lead)
    text = fold(" ".join([*details.values(), *(lead.tags or ())]))
    return all(word in text for word in words)


def tags_of(*, exhibitor: Exhibitor) -> list[str]:
    """Every tag the exhibitor has used, for the filter (case-insensitively once each)."""
    seen: dict[str, str] = {}
    for tags in db.session.scalars(sa.select(Lead.tags).where(Lead.exhibitor_id == exhibitor.id)):
        for tag in tags or ():
            seen.setdefault(tag.casefold(), tag)
    return sorted(seen.values(), key=str.casefold)


def note_author(note: LeadNote) -> str:
    return note.scanner.name if note.scanner is not None else _("Company portal")


def _notes(lead: Lead) -> str:
    return "\n".join(
        f"{local_datetime(note.created_at, 'short')} {note_author(note)}: {note.text}"
        for note in lead.notes
    )


def columns(questions: list[LeadQuestion]) -> list:
    """The header: person, qualification, one column per question, scans and notes."""
    language = current_language()
    return [
        *(header for _, header in PERSON_COLUMNS),
        *(header for _, header in VISIT_COLUMNS),
        *(question.tr("text", language) for question in questions),
        *(header for _, header in TIME_COLUMNS),
    ]


def rows(leads: Iterable[Lead], questions: list[LeadQuestion]) -> Iterator[list]:
    """One row per lead (in the current language): an anonymous visit's person cells empty."""
    for lead in leads:
        details = shared_details(lead)
        answers = {answer.question_id: answer.answer for answer in lead.answers}
        yield (
            [
                *(details[key] for key, _ in PERSON_COLUMNS),
                yes_no(lead.is_shared),
                label(lead.rating) if lead.rating else "",
                ", ".join(lead.tags or ()),
                *(answers.get(question.id, "") for question in questions),
                lead.first_scanned_at,
                lead.last_scanned_at,
                len(lead.scans),
                _notes(lead),
            ]
        )


def table(*, exhibitor: Exhibitor, filters: Filters | None = None) -> tuple[list, Iterator[list]]:
    """The header and rows of the exhibitor's leads, for CSV and Excel; the rows are read (a
    chunk at a time) as they are taken."""
    questions = questions_of(exhibitor=exhibitor)
    leads = stream_leads(exhibitor=exhibitor, filters=filters)
    return columns(questions), rows(leads, questions)


# ---------------------------------------------------------------- vCard 4.0 (RFC 6350)


def vcard_text(value: str) -> str:
    """A text value escaped per RFC 6350 3.4: backslash, comma, semicolon, line breaks."""
    value = "".join(ch for ch in str(value) if ch in "\r\n" or ch >= " " and ch != "\x7f")
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """A content line folded at 75 octets (RFC 6350 3.2), never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for ch in line:
        octets = len(ch.encode())
        limit = 75 if not parts else 74  # a continuation starts with one space
        if size + octets > limit:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += octets
    parts.append(current)
    return "\r\n ".join(parts)


def _card(lead: Lead, questions: list[LeadQuestion], language: str) -> str:
    details = shared_details(lead, language)
    lines = ["BEGIN:VCARD", "VERSION:4.0", "KIND:individual"]
    lines.append(
        "FN:"
        + vcard_text(
            details["name"] or details["organisation"] or details["email"] or details["phone"]
        )
    )
    if details["name"]:
        lines.append("N:" + vcard_text(details["name"]) + ";;;;")
    if details["organisation"]:
        lines.append("ORG:" + vcard_text(details["organisation"]))
    if details["job_title"]:
        lines.append("TITLE:" + vcard_text(details["job_title"]))
    if details["email"]:
        lines.append("EMAIL;TYPE=work:" + vcard_text(details["email"]))
    if details["phone"]:
        lines.append("TEL;VALUE=uri;TYPE=work:tel:" + details["phone"])
    if details["province"]:
        lines.append("ADR;TYPE=work:;;;;" + vcard_text(details["province"]) + ";;")
    categories = [vcard_text(tag) for tag in lead.tags or ()]
    if categories:
        lines.append("CATEGORIES:" + ",".join(categories))
    answers = {answer.question_id: answer.answer for answer in lead.answers}
    note = [
        f"{header}: {value}"
        for header, value in [
            (str(HEADERS["sectors"]), details["sectors"]),
            (str(HEADERS["rating"]), label(lead.rating) if lead.rating else ""),
            *((q.tr("text", language), answers.get(q.id, "")) for q in questions),
            (str(HEADERS["notes"]), _notes(lead)),
        ]
        if value
    ]
    if note:
        lines.append("NOTE:" + vcard_text("\n".join(note)))
    lines.append("REV:" + _stamp(lead.updated_at))
    lines.append("END:VCARD")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vcards(*, exhibitor: Exhibitor, filters: Filters | None = None) -> str:
    """One vCard per lead that shares details (anonymous visits have none to give)."""
    questions = questions_of(exhibitor=exhibitor)
    language = current_language()
    return "".join(
        _card(lead, questions, language)
        for lead in find_leads(exhibitor=exhibitor, filters=filters)
        if lead.is_shared
    )
