"""Organisers' choices for lead retrieval: which exhibitors have it (a package choice), which of a
visitor's fields a share gives, and how long leads are kept."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from .lead_models import Lead, LeadField
from .leads import _BLANK, _COLUMNS
from .models import Exhibitor

MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 1, 3650


class InvalidLeadSettings(DomainError):
    code = "invalid_lead_settings"
    status = 422


def enable_leads(*, exhibitor: Exhibitor, enabled: bool) -> bool:
    """Turn lead retrieval on or off for one exhibitor; whether it changed. Its leads stay when
    it is turned off (the company sees them again when it is turned back on)."""
    changed = exhibitor.leads_enabled != enabled
    exhibitor.leads_enabled = enabled
    db.session.flush()
    return changed


def change_lead_settings(*, event: Event, fields: list[LeadField], retention_days: int) -> None:
    """Set the fields a share gives and the days leads are kept. A field taken out of the choice
    leaves every lead of the exhibition at once; one added reaches only shares made from now
    on, never details a person shared before it was named."""
    if not MIN_RETENTION_DAYS <= retention_days <= MAX_RETENTION_DAYS:
        raise InvalidLeadSettings(
            _l(
                "Keep leads between %(low)s and %(high)s days.",
                low=MIN_RETENTION_DAYS,
                high=MAX_RETENTION_DAYS,
            )
        )
    chosen = [field for field in LeadField if field in set(fields)]
    before = set(event.lead_fields or ())
    dropped = [field for field in LeadField if field.value in before and field not in chosen]
    event.lead_fields = [field.value for field in chosen]
    event.lead_retention_days = retention_days
    db.session.flush()
    if dropped:
        db.session.execute(
            sa.update(Lead)
            .where(Lead.event_id == event.id)
            .values({_COLUMNS[field]: _BLANK[_COLUMNS[field]] for field in dropped})
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
