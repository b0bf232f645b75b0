"""A person downloads everything stored about them."""

from exhibition.checkin.models import Scan
from exhibition.extensions import db
from exhibition.programme import seats
from exhibition.programme.models import ConferenceSession
from exhibition.visitors.models import Registration
from tests.conftest import on_today, scan


def test_my_data_holds_registration_consents_scans_sessions_and_emails(
    app, client, make_event, make_visitor, make_device, make_session
):
    make_event(**on_today())
    seminar = make_session(title="Hội thảo số hoá")
    visitor = make_visitor()
    other = make_visitor()
    token = make_device()
    scan(client, token, visitor["badge_code"], "n1")
    with app.app_context():
        seats.book(
            session=db.session.get(ConferenceSession, seminar),
            registration=db.session.get(Registration, visitor["id"]),
        )
        db.session.commit()
    response = client.get(f"/r/{visitor['manage_token']}/my-data.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    data = response.json
    assert data["registration"]["full_name"] == "Nguyễn Thị Hồng Nhung"
    assert data["registration"]["email"] == visitor["email"]
    assert data["registration"]["badge_code"] == visitor["badge_code"]
    assert [c["purpose"] for c in data["consents"]][:1] == ["processing"]
    assert [(s["type"], s["result"]) for s in data["scans"]] == [("entry", "ok")]
    assert [(s["title"], s["status"]) for s in data["sessions"]] == [("Hội thảo số hoá", "seated")]
    assert data["controller"]["organiser"] == "Sở Công Thương Hải Phòng"
    assert [m["kind"] for m in data["emails"]] == ["confirmation"]
    assert data["emails"][0]["to"] == visitor["email"]
    # Nothing of another person.
    assert other["email"] not in response.text and other["badge_code"] not in response.text
    with app.app_context():
        assert db.session.query(Scan).count() == 1
    assert client.get("/r/not-a-token/my-data.json").status_code == 404
