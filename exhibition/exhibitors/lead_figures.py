"""Lead retrieval in figures for organisers: per exhibitor, and scanners that send many codes that
are no lead code of a working badge (a copied list tried one by one, or a broken camera)."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..events.models import Event
from ..extensions import db
from .lead_models import Lead, LeadScan, LeadScanner
from .models import Exhibitor

INVALID_ALERT = 20  # invalid codes from one scanner that raise the alert


@dataclass
class ExhibitorFigures:
    exhibitor: Exhibitor
    scans: int
    visitors: int  # unique visitors scanned: one lead each
    shared: int  # of which shared their details
    scanners: int  # scanners set up and not revoked

    @property
    def consent_rate(self) -> float | None:
        """Shared leads per unique visitor (None before the first scan)."""
        return self.shared / self.visitors if self.visitors else None


def _counts(stmt) -> dict[int, int]:
    return dict(db.session.execute(stmt).all())


def figures(*, event: Event) -> list[ExhibitorFigures]:
    """Every exhibitor of the event with lead retrieval on, or with leads from when it was."""
    scans = _counts(
        sa.select(Lead.exhibitor_id, sa.func.count(LeadScan.id))
        .join(LeadScan, LeadScan.lead_id == Lead.id)
        .where(Lead.event_id == event.id)
        .group_by(Lead.exhibitor_id)
    )
    visitors = _counts(
        sa.select(Lead.exhibitor_id, sa.func.count(Lead.id))
        .where(Lead.event_id == event.id)
        .group_by(Lead.exhibitor_id)
    )
    shared = _counts(
        sa.select(Lead.exhibitor_id, sa.func.count(Lead.id))
        .where(Lead.event_id == event.id, Lead.shared_at.is_not(None))
        .group_by(Lead.exhibitor_id)
    )
    scanners = _counts(
        sa.select(LeadScanner.exhibitor_id, sa.func.count(LeadScanner.id))
        .join(Exhibitor, Exhibitor.id == LeadScanner.exhibitor_id)
        .where(
            Exhibitor.event_id == event.id,
            LeadScanner.revoked_at.is_(None),
            LeadScanner.token_hash.is_not(None),
        )
        .group_by(LeadScanner.exhibitor_id)
    )
    exhibitors = db.session.scalars(
        sa.select(Exhibitor)
        .where(
            Exhibitor.event_id == event.id,
            sa.or_(Exhibitor.leads_enabled, Exhibitor.id.in_(list(visitors) or [0])),
        )
        .order_by(Exhibitor.company_name_vi, Exhibitor.id)
    )
    return [
        ExhibitorFigures(
            exhibitor=exhibitor,
            scans=scans.get(exhibitor.id, 0),
            visitors=visitors.get(exhibitor.id, 0),
            shared=shared.get(exhibitor.id, 0),
            scanners=scanners.get(exhibitor.id, 0),
        )
        for exhibitor in exhibitors
    ]


def invalid_code_alerts(*, event: Event, threshold: int = INVALID_ALERT) -> list[LeadScanner]:
    """Scanners of the event with at least `threshold` invalid codes, the most recent first."""
    return list(
        db.session.scalars(
            sa.select(LeadScanner)
            .join(Exhibitor, Exhibitor.id == LeadScanner.exhibitor_id)
            .where(Exhibitor.event_id == event.id, LeadScanner.invalid_scans >= threshold)
            .order_by(LeadScanner.last_invalid_at.desc().nulls_last(), LeadScanner.id)
        )
    )
