"""One page of a select (or of a list already in order), for lists on pages."""

from dataclasses import dataclass

import sqlalchemy as sa

from .extensions import db


@dataclass
class Page:
    rows: list
    number: int
    pages: int
    total: int


def _bounds(total: int, page: int | None, size: int) -> tuple[int, int]:
    """(page number clamped to 1..last, number of pages)."""
    pages = max(1, -(-total // size))
    return min(max(1, page or 1), pages), pages


def paginate(stmt: sa.Select, *, page: int | None, size: int = 50) -> Page:
    """Rows of page `page` (1-based, clamped to the last page) and the totals."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    number, pages = _bounds(total, page, size)
    rows = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return Page(rows=rows, number=number, pages=pages, total=total)


def paginate_list(items: list, *, page: int | None, size: int = 50) -> Page:
    """Page `page` of a list sorted in Python (1-based, clamped to the last page)."""
    number, pages = _bounds(len(items), page, size)
    return Page(
        rows=items[(number - 1) * size : number * size],
        number=number,
        pages=pages,
        total=len(items),
    )
