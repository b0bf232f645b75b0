"""Lead retrieval data for the exhibitor tests: scanners, leads with scans, and a booth with
shared, formula-laden and anonymous leads (the `booth` fixture of conftest.py)."""

import hashlib
from datetime import UTC, datetime, timedelta

from exhibition.exhibitors.lead_models import Lead, LeadNote, LeadRating, LeadScan, LeadScanner
from exhibition.extensions import db
from tests.exhibitors.test_portal import sign_in

NOW = datetime(2026, 12, 6, 3, tzinfo=UTC)
PORTAL = "/events/expo-2026/portal"


def make_scanner(exhibitor_id: int, name: str) -> LeadScanner:
    scanner = LeadScanner(
        exhibitor_id=exhibitor_id,
        name=name,
        token_hash=hashlib.sha256(name.encode()).hexdigest(),
    )
    db.session.add(scanner)
    db.session.flush()
    return scanner


def make_lead(event, exhibitor_id, registration, scanner, scans=1, at=NOW) -> Lead:
    lead = Lead(
        event=event,
        exhibitor_id=exhibitor_id,
        registration=registration,
        first_scanned_at=at,
        last_scanned_at=at + timedelta(minutes=scans - 1),
    )
    db.session.add(lead)
    db.session.flush()
    for n in range(scans):
        db.session.add(
            LeadScan(
                lead=lead,
                scanner=scanner,
                nonce=f"{lead.id}-{n}",
                scanned_at=at + timedelta(minutes=n),
            )
        )
    db.session.flush()
    return lead


def make_booth(app, make_event, make_visitor, make_exhibitor):
    """An exhibitor with lead retrieval on and three leads: one shared (a name with HTML), one
    shared with a formula for an organisation, one anonymous visit; another company with a lead
    of its own. Ids."""
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import Registration

    make_event()
    shared = make_visitor(full_name="<b>Trần</b> An", organisation="Công ty <i>Hải An</i>")
    formula = make_visitor(full_name="Lê Formula", organisation="=1+1", job_title="@SUM(A1)")
    anonymous = make_visitor(full_name="Phạm Ẩn Danh")
    ours = make_exhibitor()
    theirs = make_exhibitor()
    with app.app_context():
        event = get_event(slug="expo-2026")
        for exhibitor_id in (ours, theirs):
            db.session.get(Exhibitor, exhibitor_id).leads_enabled = True
        anna = make_scanner(ours, "Máy của <Anna>")
        binh = make_scanner(ours, "Bình")
        other = make_scanner(theirs, "Khác")
        people = {
            key: db.session.get(Registration, person["id"])
            for key, person in (("shared", shared), ("formula", formula), ("anonymous", anonymous))
        }
        lead_shared = make_lead(event, ours, people["shared"], anna, scans=2)
        db.session.add(LeadScan(lead=lead_shared, scanner=binh, nonce="b-1", scanned_at=NOW))
        lead_formula = make_lead(event, ours, people["formula"], binh, at=NOW + timedelta(hours=1))
        lead_anonymous = make_lead(event, ours, people["anonymous"], anna, scans=3)
        lead_theirs = make_lead(event, theirs, people["shared"], other)
        lead_shared.rating, lead_shared.tags = LeadRating.HOT, ["CNC", "Khuôn mẫu"]
        lead_formula.rating, lead_formula.tags = LeadRating.COLD, ["=cmd|' /C calc'!A0"]
        db.session.add(
            LeadNote(
                lead=lead_shared,
                scanner=anna,
                text="Gọi lại <script>x</script>",
                created_at=NOW + timedelta(hours=1),
            )
        )
        event.lead_fields = [
            "name", "organisation", "job_title", "email", "phone", "province", "sectors"
        ]  # fmt: skip
        db.session.flush()
        for key in ("shared", "formula"):
            change_consents(registration=people[key], share_exhibitors=True, news=False, now=NOW)
        db.session.commit()
        return {
            "exhibitor": ours,
            "other_exhibitor": theirs,
            "shared": lead_shared.id,
            "formula": lead_formula.id,
            "anonymous": lead_anonymous.id,
            "theirs": lead_theirs.id,
            "registration": shared["id"],
            "email": shared["email"],
        }


def signed_in(app, client):
    sign_in(app, client, "contact1@example.com")
    return client
