"""The demo's lead retrieval: every state on show, dated with the exhibition, moved with it."""

from collections import Counter

import sqlalchemy as sa

from exhibition.events.models import Event
from exhibition.exhibitors.lead_models import (
    Lead,
    LeadAnswer,
    LeadNote,
    LeadQuestion,
    LeadScan,
    LeadScanner,
    ShareSource,
)
from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
from exhibition.extensions import db
from tests.test_cli import invoke


def _scan_offsets(app) -> tuple:
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        times = db.session.scalars(sa.select(LeadScan.scanned_at).order_by(LeadScan.id)).all()
        return event.first_day, [t - event.starts_at for t in times]


def test_demo_shows_every_state_of_lead_retrieval_and_moves_it_with_the_exhibition(
    app, runner, client
):
    assert invoke(app, runner, "seed-demo").exit_code == 0
    with app.app_context():
        confirmed = db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.status == ExhibitorStatus.CONFIRMED)
            .order_by(Exhibitor.id)
        ).all()
        assert [e.leads_enabled for e in confirmed[:4]] == [True, True, True, False]
        scanners = db.session.scalars(sa.select(LeadScanner)).all()
        assert sum(s.revoked_at is not None for s in scanners) == 1
        assert max(s.invalid_scans for s in scanners) >= 20
        leads = db.session.scalars(sa.select(Lead)).all()
        sources = Counter(lead.share_source for lead in leads)
        assert set(sources) == {ShareSource.CONSENT, ShareSource.VISITOR, None}
        assert all(lead.name for lead in leads if lead.is_shared)
        assert all(not lead.name and not lead.email for lead in leads if not lead.is_shared)
        assert {lead.exhibitor_id for lead in leads} == {e.id for e in confirmed[:3]}
        assert {lead.rating for lead in leads} > {None}
        assert any(lead.tags for lead in leads)
        for model in (LeadNote, LeadAnswer, LeadQuestion):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) > 0
        event = db.session.scalar(sa.select(Event))
        assert all(event.is_on(lead.first_scanned_at) for lead in leads)
        visitor = next(lead.registration for lead in leads if lead.share_source is None)
        token = visitor.manage_token
    page = client.get(f"/r/{token}?lang=en").text
    assert "Exhibitors who scanned your badge" in page

    first_day, offsets = _scan_offsets(app)
    moved = invoke(app, runner, "seed-demo", "--today")
    assert moved.exit_code == 0, moved.output
    today, moved_offsets = _scan_offsets(app)
    assert today < first_day and moved_offsets == offsets
    again = invoke(app, runner, "seed-demo")
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == len(leads)
