"""Lead retrieval's scan tests: a booth with lead retrieval on and set-up scanners (each test
module makes it its `booth` fixture with `scan_booth`)."""

from exhibition.badges.services import lead_qr_text
from exhibition.checkin.services import new_setup_code
from exhibition.exhibitors import portal, scanners
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.visitors.changes import change_consents
from exhibition.visitors.models import Registration
from tests.booths.test_allocation_service import confirm_booth
from tests.conftest import on_today


def add_scanner(app, exhibitor_id: int, name: str = "Lê Văn Hải", email: str | None = None):
    """A staff member of the exhibitor made a scanner and set up: (scanner id, token)."""
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        staff = portal.add_staff(
            exhibitor=exhibitor,
            data=portal.StaffData(
                full_name=name,
                email=email or f"{name.split()[-1].lower()}@example.com",
                phone="+84912345678",
            ),
        )
        scanner = scanners.make_scanner(exhibitor=exhibitor, registration_id=staff.id)
        scanner, token = scanners.redeem_scanner_setup(code=new_setup_code(scanner))
        db.session.commit()
        return scanner.id, token


def scan_booth(app, make_event, make_floor, make_exhibitor, make_visitor) -> dict:
    """An exhibition on today; a confirmed exhibitor at booth A01 with lead retrieval on and two
    set-up scanners; a visitor who consents to share and one who does not. Ids, tokens and the
    visitors' lead QR texts."""
    make_event(**on_today())
    make_floor(count=2)
    exhibitor_id = make_exhibitor()
    confirm_booth(app, exhibitor_id, "A01")
    sharing, private = make_visitor(full_name="Trần <b>An</b>"), make_visitor()
    with app.app_context():
        db.session.get(Exhibitor, exhibitor_id).leads_enabled = True
        change_consents(
            registration=db.session.get(Registration, sharing["id"]),
            share_exhibitors=True,
            news=False,
        )
        codes = {
            key: lead_qr_text(db.session.get(Registration, person["id"]).lead_code)
            for key, person in (("sharing", sharing), ("private", private))
        }
        db.session.commit()
    first = add_scanner(app, exhibitor_id, "Lê Văn Hải")
    second = add_scanner(app, exhibitor_id, "Phạm Thu Hà")
    return {
        "exhibitor": exhibitor_id,
        "scanners": [first[0], second[0]],
        "tokens": [first[1], second[1]],
        "sharing": sharing,
        "private": private,
        "codes": codes,
    }
