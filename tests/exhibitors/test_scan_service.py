"""The booth scan service: one lead per exhibitor and visitor, every scan kept once per nonce,
details only with consent, earliest first scan, and the refusals (on SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from exhibition.checkin.services import InvalidToken, SetupCodeInvalid, new_setup_code
from exhibition.dbtypes import utcnow
from exhibition.exhibitors import leads, scanners
from exhibition.exhibitors.lead_models import Lead, LeadScan, LeadScanner, ShareSource
from exhibition.exhibitors.models import Exhibitor
from exhibition.exhibitors.scanning import FutureScan, record_lead_scan
from exhibition.extensions import db
from tests.exhibitors.scan_data import scan_booth


@pytest.fixture
def booth(app, make_event, make_floor, make_exhibitor, make_visitor):
    """A booth with lead retrieval on, two set-up scanners, a sharing and a private visitor."""
    return scan_booth(app, make_event, make_floor, make_exhibitor, make_visitor)


def _scanner(booth, n: int = 0) -> LeadScanner:
    return db.session.get(LeadScanner, booth["scanners"][n])


def test_a_scan_with_consent_makes_a_lead_with_the_shared_fields(app, booth):
    with app.app_context():
        outcome = record_lead_scan(
            scanner=_scanner(booth), text=booth["codes"]["sharing"], nonce="n1"
        )
        db.session.commit()
        assert (outcome.result, outcome.replayed) == ("lead", False)
        lead = outcome.lead
        assert (lead.name, lead.email, lead.share_source) == (
            "Trần <b>An</b>",
            booth["sharing"]["email"],
            ShareSource.CONSENT,
        )
        view = leads.lead_view(lead)
        assert (view["shared"], view["details"]["name"], view["scans"]) == (
            True,
            "Trần <b>An</b>",
            1,
        )


def test_a_scan_without_consent_is_an_anonymous_visit(app, booth):
    with app.app_context():
        outcome = record_lead_scan(
            scanner=_scanner(booth), text=booth["codes"]["private"], nonce="n1"
        )
        db.session.commit()
        assert outcome.result == "visit"
        lead = outcome.lead
        assert (lead.name, lead.email, lead.organisation, lead.shared_at) == ("", "", "", None)
        assert leads.lead_view(lead)["details"] is None


def test_one_lead_per_visitor_and_every_scan_kept_and_a_replayed_nonce_adds_nothing(app, booth):
    with app.app_context():
        code = booth["codes"]["sharing"]
        first = record_lead_scan(scanner=_scanner(booth, 0), text=code, nonce="a")
        second = record_lead_scan(scanner=_scanner(booth, 1), text=code, nonce="a")
        again = record_lead_scan(scanner=_scanner(booth, 0), text=code, nonce="a")
        db.session.commit()
        assert first.lead.id == second.lead.id == again.lead.id
        assert (again.replayed, again.scan.id) == (True, first.scan.id)
        assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(LeadScan.id))) == 2


def test_the_first_scan_is_the_earliest_time_seen_whatever_the_order_of_arrival(app, booth):
    now = utcnow()
    times = [now - timedelta(minutes=2), now - timedelta(minutes=4), now - timedelta(minutes=1)]
    with app.app_context():
        for index, at in enumerate(times):
            outcome = record_lead_scan(
                scanner=_scanner(booth),
                text=booth["codes"]["private"],
                nonce=f"off-{index}",
                scanned_at=at,
                now=now,
            )
        db.session.commit()
        lead = db.session.get(Lead, outcome.lead.id)
        assert (lead.first_scanned_at, lead.last_scanned_at) == (times[1], times[2])
        assert [s.offline for s in lead.scans] == [True, True, True]


def test_refusals_future_outside_the_event_disabled_and_codes(app, booth):
    now = utcnow()
    with app.app_context():
        scanner = _scanner(booth)
        code = booth["codes"]["private"]
        with pytest.raises(FutureScan):
            record_lead_scan(
                scanner=scanner, text=code, nonce="f", scanned_at=now + timedelta(minutes=5)
            )
        with pytest.raises(scanners.OutsideEvent):
            record_lead_scan(
                scanner=scanner, text=code, nonce="o", scanned_at=now - timedelta(days=3)
            )
        with pytest.raises(leads.NotALeadCode):
            record_lead_scan(scanner=scanner, text=booth["private"]["badge_code"], nonce="e")
        with pytest.raises(leads.InvalidLeadCode):
            record_lead_scan(scanner=scanner, text="L-" + "A" * 26, nonce="i")
        scanner.exhibitor.leads_enabled = False
        with pytest.raises(scanners.LeadsDisabled):
            record_lead_scan(scanner=scanner, text=code, nonce="d")
        db.session.commit()
        scanner = _scanner(booth)
        assert scanner.invalid_scans == 2 and scanner.last_invalid_at is not None
        assert db.session.scalar(sa.select(sa.func.count(LeadScan.id))) == 0


def test_a_small_clock_difference_is_taken(app, booth):
    now = utcnow()
    with app.app_context():
        outcome = record_lead_scan(
            scanner=_scanner(booth),
            text=booth["codes"]["private"],
            nonce="skew",
            scanned_at=now + timedelta(seconds=90),
            now=now,
        )
        assert outcome.result == "visit"


def test_revoking_a_scanner_refuses_its_token_at_once_and_its_link(app, booth):
    with app.app_context():
        scanner = _scanner(booth)
        exhibitor = scanner.exhibitor
        code = new_setup_code(scanner)
        assert scanners.authenticate_scanner(token=booth["tokens"][0]).id == scanner.id
        scanners.revoke_scanner(exhibitor=exhibitor, scanner_id=scanner.id)
        db.session.commit()
        with pytest.raises(scanners.ScannerRevoked):
            scanners.authenticate_scanner(token=booth["tokens"][0])
        with pytest.raises(SetupCodeInvalid):
            scanners.redeem_scanner_setup(code=code)
        with pytest.raises(InvalidToken):
            scanners.authenticate_scanner(token="made-up")
        assert scanners.authenticate_scanner(token=booth["tokens"][1]).id == booth["scanners"][1]


def test_a_set_up_link_works_once_and_replaces_the_token(app, booth):
    with app.app_context():
        scanner = _scanner(booth)
        code = new_setup_code(scanner)
        _same, token = scanners.redeem_scanner_setup(code=code)
        db.session.commit()
        with pytest.raises(SetupCodeInvalid):
            scanners.redeem_scanner_setup(code=code)
        with pytest.raises(InvalidToken):
            scanners.authenticate_scanner(token=booth["tokens"][0])
        assert scanners.authenticate_scanner(token=token).id == scanner.id


def test_only_the_companys_own_staff_become_its_scanners(app, booth, make_exhibitor):
    with app.app_context():
        other = db.session.get(Exhibitor, make_exhibitor())
        with pytest.raises(scanners.NotAStaffMember):
            scanners.make_scanner(exhibitor=other, registration_id=booth["sharing"]["id"])
        with pytest.raises(scanners.ScannerNotFound):
            scanners.revoke_scanner(exhibitor=other, scanner_id=booth["scanners"][0])
