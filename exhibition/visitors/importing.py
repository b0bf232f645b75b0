"""Visitors from a CSV or Excel file: organisers load a list of people (a partner's members, last
year's visitors who agreed to come again) and each gets a badge as if they had signed up.

Like the delegates import (programme/invitations.py) and unlike the booth import, it is not all
or nothing: the good rows are imported, each bad row is reported with its row number and reason,
and a row whose e-mail is registered for the exhibition already is reported and skipped (no second
badge), so the corrected file can simply be uploaded again.

Built for large lists (50,000 rows in under 30 s on PostgreSQL on two cores, see
bench/import_visitors.py): rows are checked in Python against reference data read once (with
shortcuts for the costly parts of e-mail and phone validation that give the libraries' answers),
then stored a chunk at a time after one query for the people registered already: the
registrations go in with COPY and one INSERT ... SELECT ... ON CONFLICT DO NOTHING (so someone
signing up online at the same moment is skipped, not an error), their sectors and consents with
COPY (on SQLite: multi-row INSERTs). Badge codes and links come from the same generators as a
sign-up's. Nothing is committed here.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from psycopg import sql
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.audit import record
from ..badges.services import new_badge_code, new_feed_token, new_lead_code, new_manage_token
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..mail.models import OutboxMessage
from ..reference.models import Sector
from ..spreadsheets import (
    read_rows,
    row_error,
)
from .import_rows import HEADERS, REQUIRED, Lookups, VisitorRow, check_row, read_lookups
from .models import (
    Consent,
    ConsentPurpose,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    VisitorCategory,
    registration_sectors,
)
from .notifications import queue_confirmation
from .services import search_text_for

MAX_BYTES = 32_000_000
MAX_ROWS = 100_000
CHUNK = 1000  # rows stored per round of INSERTs
# The wording version of the processing consent the organisers assert for the people they import.
CONSENT_VERSION = "import"

# The columns of the template file offered on the import page, with their headers in each
# language (each one among HEADERS once folded).
TEMPLATE_COLUMNS = [
    ("full_name", "Họ và tên", "Full name"),
    ("email", "Email", "E-mail"),
    ("phone", "Điện thoại", "Phone"),
    ("organisation", "Đơn vị", "Organisation"),
    ("job_title", "Chức vụ", "Job title"),
    ("category", "Loại khách", "Category"),
    ("province", "Tỉnh/thành phố", "Province or city"),
    ("country", "Quốc gia", "Country"),
    ("sectors", "Lĩnh vực", "Sectors"),
    ("language", "Ngôn ngữ", "Language"),
]


class ImportConsentRequired(DomainError):
    code = "import_consent_required"
    status = 422
    message = _l(
        "Confirm that the people in the file agreed to the processing of their data for this"
        " exhibition."
    )


class UnknownCategory(DomainError):
    code = "unknown_category"
    status = 422
    message = _l("This exhibition has no visitor category with this code.")


@dataclass
class ImportReport:
    imported: int = 0
    already_registered: int = 0  # rows skipped: the e-mail is registered for the event already
    refused: int = 0  # bad rows
    # "Row N: reason." for every row not imported, by row number; or what is wrong with the file.
    problems: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.already_registered + self.refused


def _parse(
    data: bytes, filename: str, lookups: Lookups, default_category: int | None
) -> tuple[list[VisitorRow], list[tuple[int, str]], int]:
    """Good rows, (row number, problem) pairs (row 0: the whole file), and how many rows were bad."""
    required = {
        name: label
        for name, label in REQUIRED.items()
        if not (name == "category" and default_category is not None)
    }
    filled, problems = read_rows(
        data, filename, headers=HEADERS, required=required, max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS, max_cols=len(HEADERS) + 20,
        too_many=_("At most %(count)s people per file; the rest was not read.", count=MAX_ROWS),
    )  # fmt: skip
    rows, seen, refused = [], {}, 0
    for line, values in filled:
        checked = check_row(line, values, lookups, default_category, seen)
        if isinstance(checked, list):
            problems.append(row_error(line, "; ".join(checked)))
            refused += 1
        else:
            rows.append(checked)
    return rows, problems, refused


# --- storing ----------------------------------------------------------------------------------


# The columns an import fills in (the others keep their defaults: no exhibitor, not checked in).
_COLUMNS = (
    "event_id", "category_id", "status", "source", "full_name", "email", "email_key", "phone",
    "organisation", "job_title", "province_code", "country_code", "language", "badge_code",
    "manage_token", "feed_token", "lead_code", "search_text", "created_at", "updated_at",
)  # fmt: skip


# PostgreSQL: the rows of a chunk are COPYed here first (a temporary table, dropped at commit).
_STAGING = sa.Table(
    "import_registrations",
    sa.MetaData(),
    *(
        sa.Column(name, sa.String() if isinstance(column.type, sa.Enum) else column.type)
        for name, column in ((name, Registration.__table__.c[name]) for name in _COLUMNS)
    ),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def _copy(table: sa.Table, columns: tuple[str, ...], rows: list[dict]) -> None:
    """COPY rows into a table (PostgreSQL), in the session's transaction: an INSERT of a thousand
    rows has some 20,000 parameters, which the driver and the server both have to parse."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [v.value if isinstance(v, enum.Enum) else v for v in map(row.get, columns)]
            )


def _insert_many(table: sa.Table, rows: list[dict]) -> None:
    if db.engine.dialect.name == "postgresql":
        _copy(table, tuple(rows[0]), rows)
    else:
        db.session.execute(sa.insert(table), rows)


def _insert_new(values: list[dict]) -> dict[str, int]:
    """Insert registrations, skipping any whose e-mail got registered meanwhile (a person signing
    up online at this moment); returns e-mail key -> id of those inserted."""
    table = Registration.__table__
    keys = [table.c.event_id, table.c.email_key]
    confirmed = sa.text("status = 'confirmed'")  # the predicate of the partial unique index
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.schema.CreateTable(_STAGING, if_not_exists=True))
        db.session.execute(_STAGING.delete())
        _copy(_STAGING, _COLUMNS, values)
        stmt = postgresql.insert(table).from_select(_COLUMNS, sa.select(*_STAGING.c))
        inserted = db.session.execute(
            stmt.on_conflict_do_nothing(index_elements=keys, index_where=confirmed).returning(
                table.c.id, table.c.email_key
            )
        )
    else:
        stmt = sqlite.insert(table).on_conflict_do_nothing(
            index_elements=keys, index_where=confirmed
        )
        inserted = db.session.execute(stmt.returning(table.c.id, table.c.email_key), values)
    return {key: id_ for id_, key in inserted}


def _registered(event: Event) -> dict[str, RegistrationStatus]:
    """The e-mail keys registered for the event, with their status: read in one query (a query
    per chunk with a thousand keys was planned as a scan of a table that was empty when its
    statistics were taken, and cost more than the rest of the import on a new database). An
    address with a confirmed registration and cancelled ones counts as confirmed."""
    registered: dict[str, RegistrationStatus] = {}
    for key, status in db.session.execute(
        sa.select(Registration.email_key, Registration.status).where(
            Registration.event_id == event.id
        )
    ):
        if registered.get(key) is not RegistrationStatus.CONFIRMED:
            registered[key] = status
    return registered


def _store_chunk(
    event: Event,
    chunk: list[VisitorRow],
    registered: dict[str, RegistrationStatus],
    report: ImportReport,
    problems: list[tuple[int, str]],
    send_confirmations: bool,
    now: datetime,
) -> None:
    fresh = _not_registered(chunk, registered, report, problems)
    if not fresh:
        return
    ids = _insert_new([_registration_values(event, row, now) for row in fresh])
    sectors, consents = [], []
    for row in fresh:
        registration_id = ids.get(row.email_key)
        if registration_id is None:
            report.already_registered += 1
            problems.append(row_error(row.line, _("already registered for this exhibition")))
            continue
        report.imported += 1
        sectors += [
            {"registration_id": registration_id, "sector_code": c} for c in row.sector_codes
        ]
        consents.append(
            {
                "registration_id": registration_id,
                "purpose": ConsentPurpose.PROCESSING,
                "granted": True,
                "wording_version": CONSENT_VERSION,
                "recorded_at": now,
            }
        )
    if sectors:
        _insert_many(registration_sectors, sectors)
    if consents:
        _insert_many(Consent.__table__, consents)
    if send_confirmations and ids:
        _queue_confirmations(list(ids.values()))


def _not_registered(
    chunk: list[VisitorRow],
    registered: dict[str, RegistrationStatus],
    report: ImportReport,
    problems: list[tuple[int, str]],
) -> list[VisitorRow]:
    """The rows whose e-mail is not registered for the exhibition yet; the others reported."""
    fresh = []
    for row in chunk:
        status = registered.get(row.email_key)
        if status is None:
            fresh.append(row)
            continue
        report.already_registered += 1
        if status is RegistrationStatus.CANCELLED:
            problems.append(row_error(row.line, _("registered before and cancelled; skipped")))
        else:
            problems.append(row_error(row.line, _("already registered for this exhibition")))
    return fresh


def _registration_values(event: Event, row: VisitorRow, now: datetime) -> dict:
    """The columns of a new registration for a good row, with its own badge code and links."""
    return {
        "event_id": event.id,
        "category_id": row.category_id,
        "status": RegistrationStatus.CONFIRMED,
        "source": RegistrationSource.IMPORT,
        "full_name": row.full_name,
        "email": row.email,
        "email_key": row.email_key,
        "phone": row.phone,
        "organisation": row.organisation,
        "job_title": row.job_title,
        "province_code": row.province_code,
        "country_code": row.country_code,
        "language": row.language,
        "badge_code": new_badge_code(),
        "manage_token": new_manage_token(),
        "feed_token": new_feed_token(),
        "lead_code": new_lead_code(),
        "search_text": search_text_for(row),
        "created_at": now,
        "updated_at": now,
    }


def _queue_confirmations(ids: list[int]) -> None:
    """One confirmation e-mail (badge QR, link, .ics) per person, queued by kind like a
    sign-up's (the mail worker writes it); the rows go to the outbox in one flush, then the
    objects are let go of."""
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)
    ).all()
    for registration in registrations:
        queue_confirmation(registration=registration)
    messages = [item for item in db.session.new if isinstance(item, OutboxMessage)]
    db.session.flush()
    for item in (*messages, *registrations):
        db.session.expunge(item)


def import_visitors(
    *,
    event: Event,
    data: bytes,
    filename: str,
    category_code: str | None,
    send_confirmations: bool,
    consent_confirmed: bool,
    actor=None,
    now: datetime | None = None,
) -> ImportReport:
    """Register the people of a CSV or Excel file for an exhibition: each good row gets a badge
    (source "import"), bad rows and people registered already are reported by row number.

    `category_code` is the category of rows without one; `consent_confirmed` is the organisers'
    statement that these people agreed to the processing of their data for this exhibition
    (stored as their processing consent, wording version "import"); without it nothing is read.
    Confirmation e-mails are queued only with `send_confirmations`. An import that stored or
    skipped anyone is in the audit log as `actor`'s (a user, or a name such as
    audit.COMMAND_LINE; the system when none). Nothing is committed here.
    """
    if not consent_confirmed:
        raise ImportConsentRequired()
    now = now or utcnow()
    lookups = read_lookups(event)
    default_category = None
    if category_code:
        default_category = lookups.categories.get(category_code.strip().casefold())
        if default_category is None:
            raise UnknownCategory()
    report = ImportReport()
    rows, problems, report.refused = _parse(data, filename, lookups, default_category)
    registered = _registered(event) if rows else {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        _store_chunk(event, chunk, registered, report, problems, send_confirmations, now)
    report.problems = [text for _line, text in sorted(problems, key=lambda p: p[0])]
    if report.imported or report.skipped:
        counts = {"imported": report.imported, "skipped": report.skipped}
        record(actor=actor, action="registrations.imported", event=event, details=counts)
    return report


def template_table(*, event: Event, language: str) -> tuple[list[str], list[list[str]]]:
    """The header row, in `language`, and one example row of a file this import takes."""
    english = language == "en"
    header = [en if english else vi for _field, vi, en in TEMPLATE_COLUMNS]
    categories = list(
        db.session.scalars(
            sa.select(VisitorCategory.code)
            .where(VisitorCategory.event_id == event.id)
            .order_by(VisitorCategory.is_public.desc(), VisitorCategory.position)
        )
    )
    sectors = list(db.session.scalars(sa.select(Sector.code).order_by(Sector.position).limit(2)))
    example = {
        "full_name": "Nguyễn Văn An",
        "email": "an.nguyen@example.com",
        "phone": "0912 345 678",
        "organisation": "Công ty TNHH Cơ khí Hải An",
        "job_title": "Sales manager" if english else "Trưởng phòng kinh doanh",
        "category": "trade" if "trade" in categories else (categories[0] if categories else ""),
        "province": "Hai Phong" if english else "Hải Phòng",
        "country": "Viet Nam" if english else "Việt Nam",
        "sectors": "; ".join(sectors),
        "language": language,
    }
    return header, [[example[field] for field, _vi, _en in TEMPLATE_COLUMNS]]
