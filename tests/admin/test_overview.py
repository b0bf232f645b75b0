"""The organisers' overview of an exhibition: exact figures, few queries, the page itself."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from tests.conftest import login_client

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/admin/events/expo-2026/dashboard"


def _local(*parts):
    return datetime(*parts, tzinfo=HCM)


@pytest.fixture
def small_event(app, make_event, make_visitor, make_exhibitor, make_floor, make_session):
    """Five visitors (one cancelled) in two categories over local days 1, 2 and 4 March, two
    exhibitors, four booths (one sold, one reserved, one blocked), a one-seat session with one
    person seated and one waiting, and two messages of the event (one sent, one failed)."""
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth, BoothStatus
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.mail.models import MessageStatus, OutboxMessage
    from exhibition.programme import seats
    from exhibition.programme.models import ConferenceSession
    from exhibition.visitors.changes import cancel_registration
    from exhibition.visitors.models import Registration

    make_event()
    visitors = [
        (make_visitor(category="trade")["id"], _local(2026, 3, 1, 10, 0)),
        (make_visitor(category="trade")["id"], _local(2026, 3, 1, 23, 30)),
        # 17:30 UTC on 1 March, already 2 March in Hai Phong.
        (make_visitor(category="public")["id"], _local(2026, 3, 2, 0, 30)),
        (make_visitor(category="public")["id"], _local(2026, 3, 4, 9, 0)),
        (make_visitor(category="trade")["id"], _local(2026, 3, 2, 8, 0)),
    ]
    submitted = make_exhibitor(status="submitted")
    approved = make_exhibitor(status="approved")
    make_floor(count=4)
    session_id = make_session(capacity=1)
    with app.app_context():
        event = get_event(slug="expo-2026")
        for registration_id, created_at in visitors:
            db.session.get(Registration, registration_id).created_at = created_at
        # Sign-up ran from 1 to 4 March, the exhibition's last day (the chart spans that window).
        event.registration_opens_at = _local(2026, 3, 1)
        event.starts_at = _local(2026, 3, 3, 9)
        event.registration_closes_at = event.ends_at = _local(2026, 3, 4, 17)
        cancel_registration(registration=db.session.get(Registration, visitors[4][0]))
        booths = {
            booth.code: booth
            for booth in db.session.scalars(sa.select(Booth).where(Booth.event_id == event.id))
        }
        booths["A02"].price_vnd = 18_000_000
        assign_booth(booth=booths["A02"], exhibitor=db.session.get(Exhibitor, approved))
        booths["A03"].status = BoothStatus.RESERVED
        booths["A04"].status = BoothStatus.BLOCKED
        session = db.session.get(ConferenceSession, session_id)
        for registration_id, _created in visitors[:2]:
            seats.book(session=session, registration=db.session.get(Registration, registration_id))
        db.session.execute(sa.delete(OutboxMessage))
        for status in (MessageStatus.SENT, MessageStatus.FAILED, None):
            db.session.add(
                OutboxMessage(
                    event_id=event.id if status else None,
                    kind="test",
                    to_address="a@example.com",
                    subject="s",
                    body_text="t",
                    body_html="<p>t</p>",
                    status=status or MessageStatus.PENDING,
                )
            )
        db.session.commit()
    return {"submitted": submitted, "approved": approved, "session_id": session_id}


def test_event_overview_counts_a_small_event_exactly(app, small_event):
    from exhibition.admin.overview import event_overview
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import ExhibitorStatus

    with app.app_context():
        overview = event_overview(event=get_event(slug="expo-2026"))

    registrations = overview["registrations"]
    assert (registrations["confirmed"], registrations["cancelled"]) == (4, 1)
    assert registrations["history"]["unit"] == "day"
    assert [(b["start"], b["end"], b["count"]) for b in registrations["history"]["bars"]] == [
        (date(2026, 3, 1), date(2026, 3, 1), 2),
        (date(2026, 3, 2), date(2026, 3, 2), 1),
        (date(2026, 3, 3), date(2026, 3, 3), 0),
        (date(2026, 3, 4), date(2026, 3, 4), 1),
    ]
    assert [(c["code"], c["color"], c["count"]) for c in registrations["by_category"]] == [
        ("trade", "#1f6feb", 2),
        ("public", "#2da44e", 2),
        ("press", "#8250df", 0),
        ("delegate", "#bf3989", 0),
        ("vip", "#d4a72c", 0),
    ]
    exhibitors = {e["status"]: e["count"] for e in overview["exhibitors"]}
    assert exhibitors == {
        **{status: 0 for status in ExhibitorStatus},
        ExhibitorStatus.SUBMITTED: 1,
        ExhibitorStatus.BOOTH_ASSIGNED: 1,  # approved, then given booth A02
    }
    assert overview["booths"] == {
        "total": 4,
        "assigned": 1,
        "reserved": 1,
        "blocked": 1,
        "available": 1,
        "revenue_vnd": 18_000_000,
    }
    assert [
        (s["id"], s["seats_taken"], s["seat_limit"], s["waiting"]) for s in overview["sessions"]
    ] == [(small_event["session_id"], 1, 1, 1)]
    assert overview["mail"] == {"pending": 0, "sending": 0, "sent": 1, "failed": 1}


def test_event_overview_takes_eight_queries(app, small_event):
    from exhibition.admin.overview import event_overview
    from exhibition.events.services import get_event

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        event = get_event(slug="expo-2026")
        db.session.expire_all()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            event_overview(event=event)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    # The event row is loaded again after expire_all: one more than the eight of the service.
    assert len([s for s in statements if "FROM events" not in s]) == 8


def test_overview_page_renders_in_vietnamese(app, client, small_event):
    login_client(app, client)
    response = client.get(URL, query_string={"lang": "vi"})
    assert response.status_code == 200
    assert '<html lang="vi"' in response.text
    assert "18.000.000\u00a0₫" in response.text  # the amount and its sign never part
    assert 'fill="#2da44e"' in response.text
    assert "<script>" not in response.text
    assert f'href="{URL}" aria-current="page"' in response.text


def test_overview_page_renders_in_english(app, client, small_event):
    login_client(app, client)
    response = client.get(URL, query_string={"lang": "en"})
    assert response.status_code == 200
    assert '<html lang="en"' in response.text
    assert "₫18,000,000" in response.text
    assert "Overview" in response.text
    assert response.text.count('class="live-col"') == 4  # 1 to 4 March
    assert "/admin/mail?status=failed" in response.text


def test_overview_page_sends_anonymous_users_to_sign_in(client, make_event):
    make_event()
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def _history_page(app, client, make_event, make_visitor, *, opens, closes, signed_up):
    """The overview of an exhibition whose sign-up ran from `opens` to `closes` (local days),
    the exhibition's last day, with one registration made at each of the `signed_up` times."""
    from exhibition.events.services import get_event
    from exhibition.visitors.models import Registration

    make_event()
    ids = [make_visitor()["id"] for _ in signed_up]
    with app.app_context():
        event = get_event(slug="expo-2026")
        event.registration_opens_at = _local(opens.year, opens.month, opens.day)
        event.registration_closes_at = _local(closes.year, closes.month, closes.day, 17)
        event.ends_at = event.registration_closes_at
        event.starts_at = event.ends_at - timedelta(days=2, hours=8)
        for registration_id, moment in zip(ids, signed_up, strict=True):
            db.session.get(Registration, registration_id).created_at = moment
        db.session.commit()
    login_client(app, client)
    html = client.get(URL, query_string={"lang": "en"}).text
    chart = html.split('aria-labelledby="overview-days-title"', 1)[1].split("</section>", 1)[0]
    return {
        "html": html,
        "bars": chart.count('class="live-col"'),
        "labels": re.findall(
            r'<text class="live-tick"[^>]*text-anchor="middle">([^<]+)</text>', chart
        ),
        "counts": [int(n) for n in re.findall(r"<title>[^<]*: ([0-9]+)</title>", chart)],
    }


def test_overview_chart_has_weekly_bars_past_sixty_days(app, client, make_event, make_visitor):
    """From Monday 6 January to 30 April 2025 (closed): 115 days, seventeen weeks."""
    page = _history_page(
        app, client, make_event, make_visitor,
        opens=date(2025, 1, 6), closes=date(2025, 4, 30),
        signed_up=[_local(2025, 1, 6, 9), _local(2025, 1, 12, 23), _local(2025, 1, 13, 8),
                   _local(2025, 4, 30, 20), _local(2025, 12, 1, 9)],  # the last after closing
    )  # fmt: skip
    assert "Registrations per week" in page["html"]
    assert page["bars"] == 17
    assert page["counts"][:2] == [2, 1] and page["counts"][-1] == 1
    assert page["labels"][0] == "06/01"  # the week's first day, no year: one year only
    assert all(re.fullmatch(r"\d\d/\d\d", label) for label in page["labels"])
    assert 6 <= len(page["labels"]) <= 12


def test_overview_chart_over_years_has_monthly_bars_with_years(
    app, client, make_event, make_visitor
):
    """Sign-up opened in October 2021 and closes in 2030 (the old demo): the chart once drew
    1,940 daily bars; it draws the months from the opening to now, labelled with their years."""
    now = datetime.now(HCM)
    page = _history_page(
        app, client, make_event, make_visitor,
        opens=date(2021, 10, 1), closes=date(2030, 12, 31),
        signed_up=[_local(2021, 10, 5, 9), _local(2021, 10, 30, 9), now - timedelta(hours=1)],
    )  # fmt: skip
    months = (now.year - 2021) * 12 + now.month - 10 + 1
    assert "Registrations per month" in page["html"]
    assert page["bars"] == months
    assert page["counts"][0] == 2 and page["counts"][-1] == 1
    assert page["labels"][0] == "10/2021"
    assert page["labels"][-1].endswith(f"/{now.year}") or len(page["labels"]) == 12
    assert all(re.fullmatch(r"\d\d/20\d\d", label) for label in page["labels"])
    assert len(page["labels"]) <= 12


def test_overview_chart_across_new_year_has_daily_bars_with_years(
    app, client, make_event, make_visitor
):
    page = _history_page(
        app, client, make_event, make_visitor,
        opens=date(2025, 12, 20), closes=date(2026, 1, 10),
        signed_up=[_local(2025, 12, 20, 9), _local(2026, 1, 10, 9)],
    )  # fmt: skip
    assert "Registrations per day" in page["html"]
    assert page["bars"] == 22
    assert page["labels"][0] == "20/12/2025"
    assert all(re.fullmatch(r"\d\d/\d\d/20\d\d", label) for label in page["labels"])
    assert "/2026" in page["labels"][-1]


def test_overview_chart_waits_for_the_opening(app, client, make_event, make_visitor):
    """Sign-up not open yet and nobody registered: no chart, a plain sentence."""
    from exhibition.events.services import get_event

    make_event()
    with app.app_context():
        event = get_event(slug="expo-2026")
        event.registration_opens_at = datetime.now(HCM) + timedelta(days=3)
        db.session.commit()
    login_client(app, client)
    html = client.get(URL, query_string={"lang": "en"}).text
    assert 'class="live-col"' not in html
    assert "No registration yet." in html
