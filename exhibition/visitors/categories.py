"""An exhibition's visitor categories: the ones the sign-up form offers, and the organisers' list."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from .models import (
    VisitorCategory,
)


def public_categories(*, event: Event) -> list[VisitorCategory]:
    """The categories offered on the public sign-up form."""
    return list(
        db.session.scalars(
            sa.select(VisitorCategory)
            .where(VisitorCategory.event_id == event.id, VisitorCategory.is_public.is_(True))
            .order_by(VisitorCategory.position, VisitorCategory.id)
        )
    )


def all_categories(*, event: Event) -> list[VisitorCategory]:
    """All of an event's visitor categories."""
    return list(
        db.session.scalars(
            sa.select(VisitorCategory)
            .where(VisitorCategory.event_id == event.id)
            .order_by(VisitorCategory.position, VisitorCategory.id)
        )
    )


def add_category(
    *, event: Event, code: str, name_vi: str, name_en: str, color: str, is_public: bool
) -> VisitorCategory:
    """Add a visitor category to an event (codes are unique per event)."""
    exists = db.session.scalar(
        sa.select(VisitorCategory.id).where(
            VisitorCategory.event_id == event.id, VisitorCategory.code == code
        )
    )
    if exists is not None:
        raise DomainError(
            _l("A category with this code exists already."), code="category_exists", status=409
        )
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(VisitorCategory.position), -1)).where(
            VisitorCategory.event_id == event.id
        )
    )
    category = VisitorCategory(
        event_id=event.id,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        color=color,
        is_public=is_public,
        position=position + 1,
    )
    db.session.add(category)
    db.session.flush()
    return category


def update_category(
    *, category: VisitorCategory, name_vi: str, name_en: str, color: str, is_public: bool
) -> VisitorCategory:
    """Change a category's names, colour and whether the public form offers it; its code stays
    (badges, exports and imports name it)."""
    category.name_vi = name_vi
    category.name_en = name_en
    category.color = color
    category.is_public = is_public
    db.session.flush()
    return category
