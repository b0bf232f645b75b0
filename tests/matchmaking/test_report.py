"""The organisers' report: exact figures on a built dataset (held and no-shows from scans through
the API, ratings through the service), its breakdowns, the page, and formula-safe files."""

import csv
import io
from datetime import timedelta

import lxml.html
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from exhibition.accounts.audit import AuditEntry
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.matchmaking import outcomes, report
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import Meeting, MeetingSession, Outcome, Participant
from exhibition.matchmaking.slots import slots_of
from tests.conftest import login_client
from tests.matchmaking.conftest import get
from tests.matchmaking.past import badge, meet, past_session, table_scan

EVIL = '=HYPERLINK("http://evil.example","x")'


def ask(session_id, requester, recipient, slot):
    session = get(MeetingSession, session_id)
    return mr.request_meeting(
        session=session,
        requester=get(Participant, requester),
        recipient=get(Participant, recipient),
        starts=[slots_of(session)[slot]],
        now=session.starts_at - timedelta(hours=2),
    ).request


@pytest.fixture
def dataset(app, client, make_event, make_meeting_session, make_participant, make_device):
    """Five people, five requests: three meetings (one held, one half-attended, one nobody came
    to), one request pending and one declined."""
    make_event()
    sid = past_session(make_meeting_session)
    p = {
        "b1": make_participant(side="buyer", company="Điện tử Hải Phòng", sectors=("mechanical",)),
        "b2": make_participant(
            side="buyer", company="Hà Nội Tech", sectors=("electronics",), province_code="HN"
        ),
        "s1": make_participant(side="supplier", company=EVIL, sectors=("mechanical",)),
        "s2": make_participant(
            side="supplier", company="Khuôn mẫu HN", sectors=("moulds",), province_code="HN"
        ),
        "s3": make_participant(side="supplier", company="Cơ khí Hải An", sectors=("mechanical",)),
    }
    token = make_device(name="Bàn 1")
    with app.app_context():
        m1 = meet(sid, p["b1"], p["s1"], slot=0)
        m2 = meet(sid, p["b2"], p["s1"], slot=1)
        meet(sid, p["b1"], p["s2"], slot=2)
        ask(sid, p["b2"], p["s2"], slot=3)  # left pending
        declined = ask(sid, p["b1"], p["s3"], slot=4)
        mr.decline(request=declined, participant=get(Participant, p["s3"]))
        db.session.commit()
        codes = {name: badge(pid) for name, pid in p.items()}
        starts = {m: get(Meeting, m).starts_at for m in (m1, m2)}
    # M1: both come; M2: only the supplier; M3: nobody.
    for name in ("b1", "s1"):
        assert table_scan(client, token, sid, codes[name], starts[m1]).status_code == 200
    table_scan(client, token, sid, codes["s1"], starts[m2] + timedelta(minutes=2))
    with app.app_context():
        meeting = get(Meeting, m1)
        for name, outcome in (("b1", Outcome.COOPERATION), ("s1", Outcome.COOPERATION)):
            outcomes.rate(meeting=meeting, participant=get(Participant, p[name]), outcome=outcome)
        outcomes.rate(
            meeting=get(Meeting, m2),
            participant=get(Participant, p["s1"]),
            outcome=Outcome.NOT_HELD,
            note="+ khách không đến",
        )
        db.session.commit()
    return {"session": sid, **p}


def figures(rows):
    return {row.key: row.figures() for row in rows}


def test_the_report_counts_each_figure(app, dataset):
    with app.app_context():
        r = report.build_report(event=get_event(slug="expo-2026"))
        # requested, accepted, scheduled, held, no-shows, cooperation possible
        assert r.total.figures() == [5, 3, 3, 1, 3, 1]
        assert figures(r.by_side) == {"buyer": [5, 3, 3, 1, 2, 1], "supplier": [5, 3, 3, 1, 1, 1]}
        assert figures(r.by_sector) == {
            "mechanical": [4, 3, 3, 1, 1, 1],
            "electronics": [2, 1, 1, 0, 1, 0],
            "moulds": [2, 1, 1, 0, 1, 0],
        }
        assert [row.key for row in r.by_sector] == ["mechanical", "moulds", "electronics"]
        assert figures(r.by_province) == {"HN": [3, 2, 2, 0, 2, 0], "HP": [4, 3, 3, 1, 1, 1]}
        assert [(person.id, missed) for person, missed in r.no_shows] == sorted(
            [(dataset["b1"], 1), (dataset["b2"], 1), (dataset["s2"], 1)],
            key=lambda pair: get(Participant, pair[0]).name,
        )


def test_the_report_of_another_session_is_empty(app, dataset, make_meeting_session):
    with app.app_context():
        session = get(MeetingSession, dataset["session"])
        times = dict(
            starts_at=session.starts_at + timedelta(hours=4),
            ends_at=session.ends_at + timedelta(hours=4),
            booking_opens_at=session.booking_opens_at,
            booking_closes_at=session.booking_closes_at,
        )
    other = make_meeting_session(**times)
    with app.app_context():
        event = get_event(slug="expo-2026")
        assert report.build_report(event=event, session_id=other).total.figures() == [0] * 6
        mine = report.build_report(event=event, session_id=dataset["session"])
        assert mine.total.figures() == [5, 3, 3, 1, 3, 1]


def test_the_page_shows_the_figures_and_the_chart(app, client, dataset):
    login_client(app, client)
    page = client.get("/admin/events/expo-2026/matchmaking/report/?lang=en")
    assert page.status_code == 200
    assert "Cooperation possible" in page.text
    assert page.text.count('class="live-col"') == 6
    assert "Hà Nội" in page.text or "Hanoi" in page.text
    tree = lxml.html.fromstring(page.data)
    numbers = [e.text_content() for e in tree.xpath("//p[@class='live-number']/strong")]
    assert numbers == ["5", "3", "3", "1", "3", "1"]
    side = tree.xpath("//h3[text()='By side']/following::table[1]//tbody/tr")
    assert [[c.text_content() for c in row][:7] for row in side] == [
        ["Buyer", "5", "3", "3", "1", "2", "1"],
        ["Supplier", "5", "3", "3", "1", "1", "1"],
    ]


def test_the_meetings_file_is_formula_safe(app, client, dataset):
    login_client(app, client)
    answer = client.get("/admin/events/expo-2026/matchmaking/report/meetings.csv?language=en")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Session", "Starts", "Place", "Participant A", "Company A"]
    assert len(rows) == 4
    companies = [row[4] for row in rows[1:]] + [row[6] for row in rows[1:]]
    assert "'" + EVIL in companies
    assert EVIL not in companies
    assert [row[7] for row in rows[1:]] == ["Yes", "No", "No"]
    assert rows[2][10] == "Did not take place: + khách không đến"
    workbook = client.get("/admin/events/expo-2026/matchmaking/report/meetings.xlsx?language=vi")
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == EVIL]
    assert cells and all(cell.data_type == "s" for cell in cells)
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions.count("matchmaking.exported") == 2


def test_the_figures_file_has_the_totals_and_named_groups(app, client, dataset):
    login_client(app, client)
    answer = client.get("/admin/events/expo-2026/matchmaking/report/figures.csv?language=en")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "Breakdown",
        "Group",
        "Requests made",
        "Requests accepted",
        "Meetings scheduled",
        "Meetings held",
        "No-shows",
        "Cooperation possible",
    ]
    assert rows[1] == ["All", "All", "5", "3", "3", "1", "3", "1"]
    assert ["Side", "Buyer", "5", "3", "3", "1", "2", "1"] in rows
    assert ["Province or city", "Hanoi", "3", "2", "2", "0", "2", "0"] in rows
    assert not any("mechanical" in cell or cell == "HP" for row in rows for cell in row)
    xlsx = client.get("/admin/events/expo-2026/matchmaking/report/figures.xlsx?language=vi")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[2]][2:] == [5, 3, 3, 1, 3, 1]
    assert "Hải Phòng" in [c.value for c in sheet["B"]]


def test_the_exhibition_overview_shows_the_matching_figures(app, client, dataset):
    login_client(app, client)
    page = client.get("/admin/events/expo-2026/dashboard?lang=en")
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.data)
    rows = tree.xpath("//h3[text()='Business matching']/following::table[1]//tbody/tr")
    assert [[c.text_content().strip() for c in row][:2] for row in rows] == [
        ["Requests made", "5"],
        ["Requests accepted", "3"],
        ["Meetings scheduled", "3"],
        ["Meetings held", "1"],
        ["No-shows", "3"],
        ["Cooperation possible", "1"],
    ]
    assert tree.xpath("//a[@href='/admin/events/expo-2026/matchmaking/report/']")


def test_the_exhibition_overview_has_no_matching_section_without_a_session(app, client, make_event):
    make_event()
    login_client(app, client)
    page = client.get("/admin/events/expo-2026/dashboard?lang=en")
    assert page.status_code == 200
    assert "Business matching report" not in page.text
