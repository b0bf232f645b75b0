"""One page of a select, for organiser lists."""

from dataclasses import dataclass

import sqlalchemy as sa

from .extensions import db


@dataclass
class Page:
    rows: list
    number: int
    pages: int
    total: int


def paginate(stmt: sa.Select, *, page: int | None, size: int = 50) -> Page:
    """Rows of page `page` (1-based, clamped to the last page) and the totals."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    pages = max(1, -(-total // size))
    number = min(max(1, page or 1), pages)
    rows = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return Page(rows=rows, number=number, pages=pages, total=total)
