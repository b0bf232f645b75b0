"""The exhibitor lists: the organisers' search, the public directory and the spreadsheet export."""

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..booths.models import Booth, BoothAssignment, BoothType
from ..events.models import Event
from ..exports import chunked
from ..extensions import db
from ..labels import label, language_name
from ..phone import display_phone
from ..text import company_short_name, matches_all_words, vietnamese_sort_key
from .models import (
    BoothPreference,
    Exhibitor,
    ExhibitorStatus,
    exhibitor_sectors,
    format_tax_code,
)


def exhibitors_query(
    *, event: Event, query: str = "", status: str = "", sector: str = "", column=None
):
    """An event's exhibitors matching a search (diacritics ignored) in `column`, status and sector."""
    searched = column if column is not None else Exhibitor.search_text
    stmt = sa.select(Exhibitor).where(
        Exhibitor.event_id == event.id, matches_all_words(searched, query)
    )
    if status in {s.value for s in ExhibitorStatus}:
        stmt = stmt.where(Exhibitor.status == ExhibitorStatus(status))
    if sector:
        stmt = stmt.where(
            Exhibitor.id.in_(
                sa.select(exhibitor_sectors.c.exhibitor_id).where(
                    exhibitor_sectors.c.sector_code == sector
                )
            )
        )
    return stmt.order_by(Exhibitor.created_at.desc(), Exhibitor.id.desc())


PUBLIC_STATUSES = (ExhibitorStatus.BOOTH_ASSIGNED, ExhibitorStatus.CONFIRMED)


def directory_sort_key(*, name_vi: str, name_en: str, language: str) -> tuple:
    """Where a company goes in the directory: by its name in `language` without the legal form
    ("Công ty CP Đông Á" under Đ, with "Công ty TNHH Đình Vũ"), the Vietnamese way."""
    name = name_en if language == "en" and name_en else name_vi
    return vietnamese_sort_key(company_short_name(name)), vietnamese_sort_key(name)


@dataclass
class DirectoryPage:
    """A page of the directory, read as db.paginate's pages are (the pager macro): its order,
    Vietnamese collation (directory_sort_key), is sorted here rather than by the database."""

    items: list
    page: int
    pages: int
    total: int


def directory_page(
    *,
    event: Event,
    query: str = "",
    sector: str = "",
    page: int | None = None,
    size: int = 60,
    language: str = "vi",
) -> "DirectoryPage":
    """One page of the public directory: exhibitors with a booth, found by name, product or
    certification (never by contact or tax code), in the order of directory_sort_key."""
    found = (
        exhibitors_query(
            event=event, query=query, sector=sector, column=Exhibitor.public_search_text
        )
        .where(Exhibitor.status.in_(PUBLIC_STATUSES))
        .order_by(None)
    )
    names = db.session.execute(
        found.with_only_columns(Exhibitor.id, Exhibitor.company_name_vi, Exhibitor.company_name_en)
    ).all()
    names.sort(
        key=lambda row: (
            directory_sort_key(name_vi=row[1], name_en=row[2], language=language),
            row[0],
        )
    )
    ids = [row[0] for row in names]
    pages = max(1, -(-len(ids) // size))
    number = min(max(1, page or 1), pages)
    shown = ids[(number - 1) * size : number * size]
    by_id = {
        x.id: x
        for x in db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.id.in_(shown))
            .options(
                # Each card shows the company's booths (with their hall, for "find on map") and
                # its sectors: loaded for the whole page at once.
                sa.orm.selectinload(Exhibitor.assignments)
                .joinedload(BoothAssignment.booth)
                .joinedload(Booth.hall),
                sa.orm.selectinload(Exhibitor.sectors),
            )
        )
    }
    return DirectoryPage(items=[by_id[i] for i in shown], page=number, pages=pages, total=len(ids))


# The columns of the exhibitors export, in the language of the file (see exports.py).
EXPORT_COLUMNS = [
    _l("Application no."), _l("Status"), _l("Company name (Vietnamese)"),
    _l("Company name (English)"), _l("Tax code"), _l("Province or city"), _l("Commune or ward"),
    _l("Street address"), _l("Website"), _l("Sectors"), _l("Main products"),
    _l("Main products (English)"), _l("Certifications"),
    _l("Contact person"), _l("Contact e-mail"), _l("Contact phone"), _l("Language for e-mails"),
    _l("Booth type"), _l("Number of booths"), _l("Raw space area (m²)"), _l("Booth wishes"),
    _l("Booths"), _l("Applied at"), _l("Approved at"),
]  # fmt: skip


def export_rows(*, stmt) -> Iterator[list]:
    """Rows for the exhibitors selected by `stmt`, typed (exports.py writes them), in the
    current language: read inside force_locale with the language of the file (a chunk at a
    time from the database, as the rows are taken)."""
    stmt = stmt.options(
        sa.orm.selectinload(Exhibitor.sectors),
        sa.orm.selectinload(Exhibitor.preferences).joinedload(BoothPreference.booth),
        sa.orm.selectinload(Exhibitor.preferences).joinedload(BoothPreference.hall),
        sa.orm.selectinload(Exhibitor.assignments),
        sa.orm.selectinload(Exhibitor.province),
    )
    for x in chunked(stmt):
        wishes = "; ".join(f"{p.rank}. {p.wish}" for p in x.preferences)
        yield [
            x.id, label(x.status), x.company_name_vi, x.company_name_en, format_tax_code(x.tax_code),
            x.province.tr("name") if x.province else "", x.commune, x.street, x.website,
            "; ".join(s.tr("name") for s in x.sectors), x.main_products, x.main_products_en,
            "; ".join(x.certifications or []), x.contact_name, x.contact_email,
            display_phone(x.contact_phone), language_name(x.contact_language), label(x.booth_type),
            x.booth_count if x.booth_type != BoothType.RAW else None, x.raw_area_m2, wishes,
            ", ".join(b.code for b in x.booths), x.created_at, x.approved_at,
        ]  # fmt: skip
