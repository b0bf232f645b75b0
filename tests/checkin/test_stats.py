"""Live figures of the doors: the stats service, its JSON endpoint and the organisers' page."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exhibition.checkin.models import Scan, ScanResult, ScanType
from exhibition.events.models import Event
from exhibition.extensions import db
from tests.conftest import login_client, scan

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def add_device(app, *, slug="expo-2026", name="Cổng phụ", checkpoint="Cổng phụ"):
    """A device at a second entrance (a new checkpoint); returns its token."""
    from exhibition.checkin.services import create_device, save_checkpoint
    from exhibition.events.services import get_event

    with app.app_context():
        event = get_event(slug=slug)
        gate = save_checkpoint(event=event, name_vi=checkpoint, name_en="Side gate")
        _device, token = create_device(event=event, name=name, checkpoint=gate)
        db.session.commit()
        return token


def undo(client, token):
    return client.post("/api/v1/checkin/undo", headers={"Authorization": f"Bearer {token}"})


def stats(client, slug="expo-2026", **params):
    return client.get(f"/api/v1/events/{slug}/stats", query_string=params)


def quarter(moment: datetime) -> str:
    local = moment.astimezone(HCM)
    return local.replace(minute=local.minute - local.minute % 15).strftime("%H:%M")


@pytest.fixture
def doors(app, client, make_event, make_visitor, make_device):
    """Two entrances and a day of scans: entries, an exit, refusals, and an undone entry."""
    make_event()
    people = {
        "an": make_visitor(category="trade", province_code="HP"),
        "binh": make_visitor(category="trade", province_code="HP"),
        "chi": make_visitor(category="press", province_code="HN"),
        "dung": make_visitor(category="press", province_code="HN"),
        "em": make_visitor(category="trade", province_code="HN"),
    }
    main = make_device(name="Cổng chính 1")
    side = add_device(app)
    answers = [
        scan(client, main, people["an"]["badge_code"], "m1"),
        scan(client, main, people["binh"]["badge_code"], "m2"),
        scan(client, main, people["binh"]["badge_code"], "m3", "exit"),
        scan(client, side, people["chi"]["badge_code"], "s1"),
        scan(client, main, people["an"]["badge_code"], "m4"),  # already in
        scan(client, side, "NOT-A-BADGE", "s2"),
        scan(client, main, people["dung"]["badge_code"], "m5"),  # undone below
    ]
    assert [a.json["result"] for a in answers] == [
        "ok",
        "ok",
        "ok",
        "ok",
        "already_checked_in",
        "invalid",
        "ok",
    ]
    assert undo(client, main).status_code == 200
    return {"people": people, "main": main, "side": side}


def test_stats_count_entries_exits_refusals_and_leave_out_undone_scans(app, client, doors):
    login_client(app, client)
    response = stats(client)
    assert response.status_code == 200
    body = response.json
    assert body["totals"] == {
        "registered": 5,
        "checked_in": 3,
        "inside_now": 2,  # an and chi; binh went out, dung's entry was undone
        "flagged": 0,
        "refused": 2,
    }
    assert [(r["result"], r["count"]) for r in body["refused"]] == [
        ("already_checked_in", 1),
        ("invalid", 1),
    ]
    assert [(c["code"], c["registered"], c["checked_in"]) for c in body["by_category"]] == [
        ("trade", 3, 2),
        ("public", 0, 0),
        ("press", 2, 1),
        ("delegate", 0, 0),
        ("vip", 0, 0),
    ]
    assert [
        (p["code"], p["name"], p["registered"], p["checked_in"]) for p in body["by_province"]
    ] == [
        ("HP", "Hai Phong", 2, 2),
        ("HN", "Hanoi", 3, 1),
    ]
    assert [
        (c["name"], c["entrance"], c["entries"], c["inside"]) for c in body["by_checkpoint"]
    ] == [
        ("Main entrance", True, 2, 1),
        ("Side gate", True, 1, 1),
    ]
    assert body["by_session"] == []

    # Entries per quarter hour of the local day: the three ok entries that stand, by their times.
    with app.app_context():
        times = db.session.scalars(
            sa.select(Scan.scanned_at).where(
                Scan.type == ScanType.ENTRY,
                Scan.result == ScanResult.OK,
                Scan.undone_at.is_(None),
            )
        ).all()
    assert len(times) == 3
    expected: dict[str, int] = {}
    for moment in times:
        expected[quarter(moment)] = expected.get(quarter(moment), 0) + 1
    series = body["per_quarter_hour"]
    assert {item["time"]: item["count"] for item in series if item["count"]} == expected
    assert sum(item["count"] for item in series) == 3
    generated = datetime.fromisoformat(body["generated_at"].replace("Z", "+00:00"))
    # A fixed axis: the day's 07:00 to 19:00, wider for the exhibition's own hours (this one
    # opened a few minutes ago: at 05:00 its hours start at 05:00) or entries outside them.
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        opens, closes = event.starts_at.astimezone(HCM), event.ends_at.astimezone(HCM)
    first_hour = f"{min(7, opens.hour):02d}:00"
    last_hour = max(19, closes.hour + (1 if closes.minute else 0))
    assert series[0]["time"] == min(first_hour, quarter(min(times)))
    assert series[-1]["time"] == max(f"{last_hour - 1:02d}:45", quarter(max(times)))
    assert body["day"] == body["today"] == generated.astimezone(HCM).date().isoformat()
    assert response.headers["Cache-Control"] == "no-store"


def test_stats_bucket_entries_by_local_quarter_hour_of_the_local_day(app, make_event, make_visitor):
    from exhibition.checkin.scanning import record_scan
    from exhibition.checkin.services import create_device
    from exhibition.checkin.stats import event_stats
    from exhibition.events.services import get_event

    make_event(
        starts_at=datetime(2026, 5, 20, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 5, 22, 10, 0, tzinfo=UTC),
        registration_opens_at=datetime.now(UTC) - timedelta(days=1),
        registration_closes_at=datetime.now(UTC) + timedelta(days=1),
    )
    badges = [make_visitor()["badge_code"] for _ in range(6)]
    local = [
        datetime(2026, 5, 20, 23, 50, tzinfo=HCM) - timedelta(days=1),  # the evening before
        datetime(2026, 5, 21, 0, 5, tzinfo=HCM) - timedelta(days=1),  # 17:05 UTC on the 19th
        datetime(2026, 5, 20, 8, 59, 59, 900000, tzinfo=HCM),
        datetime(2026, 5, 20, 9, 0, tzinfo=HCM),
        datetime(2026, 5, 20, 9, 14, 59, tzinfo=HCM),
        datetime(2026, 5, 20, 9, 40, tzinfo=HCM),
    ]
    with app.app_context():
        event = get_event(slug="expo-2026")
        device, _token = create_device(event=event, name="Cổng 1")
        for index, (badge, moment) in enumerate(zip(badges, local, strict=True)):
            record_scan(
                device=device,
                code=badge,
                nonce=f"n{index}",
                scan_type=ScanType.ENTRY,
                now=moment.astimezone(UTC),
                admit=True,  # the evening before the opening, let in by the operator
            )
        db.session.commit()

        now = datetime(2026, 5, 20, 10, 20, tzinfo=HCM).astimezone(UTC)
        figures = event_stats(event=event, now=now)
        assert figures["day"] == "2026-05-20"
        assert figures["days"] == ["2026-05-20", "2026-05-21", "2026-05-22"]
        series = figures["per_quarter_hour"]
        assert [(s["time"], s["count"]) for s in series if s["count"]] == [
            ("00:00", 1),
            ("08:45", 1),
            ("09:00", 2),
            ("09:30", 1),
        ]
        assert series[0]["start"] == "2026-05-20T00:00:00+07:00"  # widened for the 00:05 entry
        assert series[-1]["time"] == "18:45"  # to 19:00, whatever the time now
        assert len(series) == 76  # 00:00 to 18:45, empty quarters included
        assert figures["totals"]["inside_now"] == 5  # everyone who came in on the 20th

        before = event_stats(event=event, now=now, day=date(2026, 5, 19))
        quarters = before["per_quarter_hour"]
        assert [(s["time"], s["count"]) for s in quarters if s["count"]] == [("23:45", 1)]
        assert (quarters[0]["time"], len(quarters)) == ("07:00", 68)  # 07:00 to 23:45
        assert before["totals"]["inside_now"] == 5  # inside now is always today's
        assert event_stats(event=event, now=now, day=date(2026, 5, 21))["per_quarter_hour"] == []


def test_stats_by_session_reuse_the_programme_figures(
    app, client, make_event, make_session, make_visitor, make_device
):
    from tests.programme.test_attendance import at_session, book

    make_event()
    seminar = make_session(title="Hội thảo số hoá", room="Phòng 1", room_capacity=40)
    seated, absent = make_visitor(), make_visitor()
    stranger, mistaken = make_visitor(), make_visitor()
    book(app, seminar, seated["id"])
    book(app, seminar, absent["id"])
    token = make_device(name="Cửa phòng 1")
    assert at_session(client, token, seated["badge_code"], "n1", seminar).json["result"] == "ok"
    assert at_session(client, token, stranger["badge_code"], "n2", seminar).json["result"] == (
        "not_registered"
    )
    assert at_session(client, token, mistaken["badge_code"], "n3", seminar).json["result"] == (
        "not_registered"
    )
    # The last scan was a mistake: undone, it counts nowhere.
    assert undo(client, token).status_code == 200

    login_client(app, client)
    body = stats(client).json
    assert [
        (s["title"], s["room"], s["seats"], s["seated"], s["attended"], s["not_registered"])
        for s in body["by_session"]
    ] == [("Hội thảo số hoá", "Phòng 1", 40, 2, 1, 1)]
    # Session doors are not entrances: no check-in, nothing per quarter hour.
    assert body["totals"]["checked_in"] == 0
    assert body["per_quarter_hour"] == []
    assert body["totals"]["refused"] == 1


def test_stats_need_an_organiser_or_a_device_of_the_event(app, client, make_event, make_device):
    make_event()
    make_event(slug="other-expo")
    own = make_device()
    foreign = make_device(slug="other-expo", name="Cổng khác")

    anonymous = stats(client)
    assert anonymous.status_code == 401
    assert anonymous.json["error"]["code"] == "login_required"
    assert stats(client, slug="nope").status_code == 401

    bad = client.get("/api/v1/events/expo-2026/stats", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json["error"]["code"] == "invalid_token"

    device = client.get(
        "/api/v1/events/expo-2026/stats", headers={"Authorization": f"Bearer {own}"}
    )
    assert device.status_code == 200
    assert device.json["totals"]["registered"] == 0
    other = client.get(
        "/api/v1/events/expo-2026/stats", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert other.status_code == 403
    assert other.json["error"]["code"] == "wrong_event"

    login_client(app, client)
    assert stats(client).status_code == 200
    missing = stats(client, slug="nope")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "event_not_found"
    wrong_day = stats(client, day="20-05-2026")
    assert wrong_day.status_code == 400
    assert wrong_day.json["error"]["code"] == "invalid_day"
    assert stats(client, day="2026-05-20").json["day"] == "2026-05-20"


def test_live_page_draws_the_figures_for_organisers_only(app, client, doors):
    anonymous = client.get("/admin/events/expo-2026/live")
    assert anonymous.status_code == 302
    assert "/admin/login" in anonymous.headers["Location"]

    login_client(app, client)
    page = client.get("/admin/events/expo-2026/live?lang=en")
    assert page.status_code == 200
    html = page.text
    assert 'data-total="registered">5<' in html
    assert 'data-total="checked_in" id="live-checked-in">3<' in html
    assert 'data-total="inside_now">2<' in html
    assert "Check-ins per 15 minutes" in html
    assert "Side gate" in html and "Hai Phong" in html
    assert html.count('class="live-col"') >= 1
    assert "<script>" not in html  # no inline script: only static/js/live.js
    assert 'src="/static/js/live.js"' in html
    assert 'aria-current="page">Live<' in html

    vietnamese = client.get("/admin/events/expo-2026/live?lang=vi")
    assert vietnamese.status_code == 200
    assert "Cổng phụ" in vietnamese.text and "Hải Phòng" in vietnamese.text


def test_live_page_refreshes_by_itself_in_the_browser(
    app, make_event, make_visitor, make_device, browser, live_server
):
    app.config["LIVE_REFRESH_SECONDS"] = 1
    make_event()
    first, second = make_visitor(), make_visitor()
    token = make_device()
    client = app.test_client()
    assert scan(client, token, first["badge_code"], "b1").json["result"] == "ok"
    login_client(app, app.test_client())  # creates the organiser

    page = browser.new_page()
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("#email", "btc@example.com")
    page.fill("#password", "mat-khau-dai")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    page.goto(f"{live_server}/admin/events/expo-2026/live")
    assert page.inner_text("#live-checked-in") == "1"
    assert page.inner_text("[data-total=inside_now]") == "1"

    assert scan(client, token, second["badge_code"], "b2").json["result"] == "ok"
    page.wait_for_function(
        # A function, not an expression: the page's CSP forbids eval, which expressions use.
        "() => document.getElementById('live-checked-in').textContent === '2'",
        timeout=10000,
    )
    assert page.inner_text("[data-total=inside_now]") == "2"
    assert page.inner_text("#live-status").startswith("Updated ")
    assert len(page.query_selector_all("#live-chart rect.live-col")) >= 1
    assert page.url.endswith("/admin/events/expo-2026/live")  # no reload


def test_leaving_by_another_gate_counts_as_outside_and_its_undo_puts_the_person_back(
    app, client, make_event, make_visitor, make_device
):
    """In at the main gate, out at the side gate: the person is no longer counted inside (they
    were, before presences knew the exit scan). Undoing that exit puts them inside again at the
    gate they came in by; coming back in by the main gate is a re-entry there."""
    make_event()
    person = make_visitor()
    code = person["badge_code"]
    main = make_device(name="Cổng chính 1")
    side = add_device(app)
    login_client(app, client)

    def inside():
        totals = stats(client).json["totals"]
        return totals["inside_now"]

    assert scan(client, main, code, "m1").json["result"] == "ok"
    assert inside() == 1
    out = scan(client, side, code, "s1", "exit").json
    assert out["result"] == "ok"
    assert inside() == 0
    assert undo(client, side).status_code == 200
    assert inside() == 1
    assert scan(client, side, code, "s2", "exit").json["result"] == "ok"
    assert inside() == 0
    back = scan(client, main, code, "m2").json
    assert back["result"] == "ok"  # a re-entry at the main gate
    assert inside() == 1
    with app.app_context():
        effects = list(db.session.scalars(sa.select(Scan.effect).order_by(Scan.id)))
    assert effects == ["entered", "left", "left", "reentered"]


FAR_DAYS = ("0001-01-01", "9999-12-31", "0001-01-02", "9999-12-30")
MALFORMED_DAYS = ("20-05-2026", "2026-13-01", "2026-W01-1", "20260520", "２０２６-05-20", "", "x")


def test_live_page_day_filter_answers_far_and_malformed_days_with_today(
    app, client, make_event, make_visitor, make_device
):
    """`?day=` far off (year 1, year 9999) once made the live page answer 500; a day that is no
    day shows today, as a missing one does, and a real day shows that day."""
    make_event()
    token = make_device()
    assert scan(client, token, make_visitor()["badge_code"], "d1").json["result"] == "ok"
    login_client(app, client)
    today = datetime.now(HCM).date().isoformat()

    for day in FAR_DAYS + MALFORMED_DAYS:
        page = client.get("/admin/events/expo-2026/live", query_string={"day": day, "lang": "en"})
        assert page.status_code == 200, day
        assert "(today)" in page.text, day
        assert 'data-total="checked_in" id="live-checked-in">1<' in page.text, day

    other = client.get("/admin/events/expo-2026/live?day=2026-05-20&lang=en")
    assert other.status_code == 200
    assert "(2026-05-20)" in other.text
    assert 'data-url="/api/v1/events/expo-2026/stats?day=2026-05-20"' in other.text
    assert (
        client.get(f"/admin/events/expo-2026/live?day={today}&lang=en").text.count("(today)") == 1
    )


def test_stats_api_refuses_far_and_malformed_days_and_answers_real_ones(app, client, make_event):
    make_event()
    login_client(app, client)
    for day in FAR_DAYS + MALFORMED_DAYS[:-2]:
        answer = stats(client, day=day)
        assert (answer.status_code, answer.json["error"]["code"]) == (400, "invalid_day"), day
    assert stats(client, day="").json["day"] == datetime.now(HCM).date().isoformat()
    assert stats(client, day="2026-05-20").json["day"] == "2026-05-20"
    assert stats(client, day="2000-01-01").json["day"] == "2000-01-01"


def test_live_chart_has_a_fixed_axis_over_the_opening_hours_in_the_browser(
    app, make_event, make_visitor, make_device, browser, live_server
):
    """One quarter hour with entries was once drawn as one block the width of the chart; the
    axis now spans the exhibition day's 07:00 to 19:00 in quarter hours, drawn by the server and
    again by live.js on each refresh."""
    from exhibition.checkin.models import Device
    from exhibition.checkin.scanning import record_scan

    app.config["LIVE_REFRESH_SECONDS"] = 1
    today = datetime.now(HCM).date()
    # Open from 08:00 today to 17:00 in two days, whatever the hour the test runs at: the axis
    # is then the day's 07:00 to 19:00.
    opening = datetime(today.year, today.month, today.day, 8, 0, tzinfo=HCM)
    closing = opening + timedelta(days=2, hours=9)
    make_event(starts_at=opening, ends_at=closing, registration_closes_at=closing)
    first, second = make_visitor(), make_visitor()
    make_device()

    def enter(badge, hour, minute, nonce):
        with app.app_context():
            record_scan(
                device=db.session.scalar(sa.select(Device)),
                code=badge,
                nonce=nonce,
                scan_type=ScanType.ENTRY,
                now=datetime(today.year, today.month, today.day, hour, minute, tzinfo=HCM),
            )
            db.session.commit()

    enter(first["badge_code"], 10, 5, "a")
    login_client(app, app.test_client())
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("#email", "btc@example.com")
    page.fill("#password", "mat-khau-dai")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    page.goto(f"{live_server}/admin/events/expo-2026/live")

    def chart():
        bars = page.eval_on_selector_all(
            "#live-chart rect.live-col",
            "rects => rects.map(r => [r.querySelector('title').textContent,"
            " parseFloat(r.getAttribute('x')), parseFloat(r.getAttribute('width')),"
            " parseFloat(r.getAttribute('height'))])",
        )
        labels = page.eval_on_selector_all(
            "#live-chart text.live-tick[text-anchor=middle]", "ts => ts.map(t => t.textContent)"
        )
        return bars, labels

    hours = [f"{h:02d}:00" for h in range(7, 19)]
    bars, labels = chart()
    assert len(bars) == 48  # 07:00 to 18:45
    assert labels == hours
    assert [b[0] for b in bars if b[3] > 0] == ["10:00: 1"]
    assert bars[12][0] == "10:00: 1" and bars[12][2] < 20  # a narrow bar, not the whole width
    assert bars[0][1] < bars[12][1] < bars[-1][1]

    enter(second["badge_code"], 16, 40, "b")
    page.wait_for_function(
        "() => document.getElementById('live-checked-in').textContent === '2'", timeout=10000
    )
    bars, labels = chart()  # drawn again by live.js
    assert len(bars) == 48
    assert labels == hours
    assert [b[0] for b in bars if b[3] > 0] == ["10:00: 1", "16:30: 1"]
    assert bars[12][2] < 20
    page.screenshot(path=str(Path(app.instance_path) / "live-chart.png"))
