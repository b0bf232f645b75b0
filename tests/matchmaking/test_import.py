"""Hosted buyers and their must-meet lists imported from CSV or Excel through the import page:
all rows or none, each bad row named by its number and reason."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from exhibition.accounts.models import AuditEntry
from exhibition.extensions import db
from exhibition.matchmaking.models import MeetingRequest, Mode, Participant, RequestState, Side
from exhibition.visitors.models import ConsentPurpose, Registration
from tests.conftest import login_client
from tests.matchmaking.conftest import HANOI, count, get, local
from tests.pages import form_posting_to

SLUG = "expo-2026"
URL = f"/admin/events/{SLUG}/matchmaking/import"


@pytest.fixture
def world(
    app,
    client,
    make_event,
    make_meeting_session,
    make_participant,
    make_visitor,
    make_floor,
    make_exhibitor,
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.portal import StaffData, add_staff
    from exhibition.matchmaking.participants import Profile, join

    make_event()
    make_meeting_session(name_vi="Phiên tự đặt", name_en="Self-booked morning")
    with app.app_context():
        day = get_event(slug=SLUG).starts_at.astimezone(HANOI).date()
    organised = make_meeting_session(
        name_vi="Phiên ban tổ chức xếp", name_en="Organised afternoon", mode=Mode.ORGANISER,
        starts_at=local(day, 14, 0), ends_at=local(day, 17, 0), booking_closes_at=local(day, 14, 0),
    )  # fmt: skip
    buyer = make_participant(side="buyer", email="mua1@example.com", company="Điện tử Hải Phòng")
    make_visitor(email="mua2@example.com", full_name="Đỗ Văn Chưa")  # no consent to matching
    make_visitor(email="mua3@example.com", full_name="Lê Thị Ba")
    supplier = make_participant(side="supplier", email="ban1@example.com", company="Cơ khí Hải An")
    other_buyer = make_participant(side="buyer", email="mua9@example.com")
    make_floor()
    exhibitor_id = make_exhibitor(company_name_vi="Nhựa Tiền Phong")
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        assign_booth(
            booth=db.session.scalar(sa.select(Booth).where(Booth.code == "A01")),
            exhibitor=exhibitor,
        )
        staff = add_staff(
            exhibitor=exhibitor,
            data=StaffData(
                full_name="Phạm Văn Nhựa", email="nhua@example.com", phone="+84912345678"
            ),
        )
        rep = join(
            registration=staff, profile=Profile(side=Side.SUPPLIER, company="Nhựa Tiền Phong")
        )
        db.session.commit()
        tax_code, rep_id = exhibitor.tax_code, rep.id
    return {"session": organised, "buyer": buyer, "supplier": supplier, "rep": rep_id,
            "tax_code": tax_code, "other_buyer": other_buyer,
            "organiser": login_client(app, client)}  # fmt: skip


def csv_file(rows) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode("utf-8-sig")


def xlsx_file(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(world, data: bytes, name: str, **typed):
    client = world["organiser"]
    page = client.get(URL)
    assert page.status_code == 200
    form = form_posting_to(page.text, URL, URL)
    assert form.multipart
    sent = form.data(**typed)
    sent.add("file", (io.BytesIO(data), name))
    return client.post(form.action, data=sent, content_type="multipart/form-data")


def test_hosted_buyers_and_their_must_meet_pairs_are_imported(app, world):
    rows = [
        ["Email người mua", "Công ty", "Số cuộc gặp tối đa", "Cần gặp"],
        ["MUA1@example.com", "Điện tử Hải Phòng", "6", f"ban1@example.com; {world['tax_code']}"],
        ["mua2@example.com", "Công ty Chưa Đồng Ý", "", "ban1@example.com"],
    ]
    page = world["organiser"].get(URL)
    choices = page.text.split('id="session"')[1].split("</select>")[0]
    assert "Organised afternoon" in choices and "Self-booked morning" not in choices
    sent = upload(world, csv_file(rows), "buyers.csv")
    assert sent.status_code == 200, sent.text
    assert "2 hosted buyers imported." in sent.text and "2 must-meet meetings created." in sent.text
    assert "mua2@example.com" in sent.text.split('class="not-listed"')[1]
    with app.app_context():
        buyer = get(Participant, world["buyer"])
        assert (buyer.hosted, buyer.listed, buyer.meeting_limit, buyer.side) == (
            True,
            True,
            6,
            Side.BUYER,
        )
        pairs = db.session.scalars(sa.select(MeetingRequest).order_by(MeetingRequest.id)).all()
        assert [
            (r.requester_id, r.recipient_id, r.state, r.must_meet, r.session_id) for r in pairs
        ] == [
            (world["buyer"], world["supplier"], RequestState.ACCEPTED, True, world["session"]),
            (world["buyer"], world["rep"], RequestState.ACCEPTED, True, world["session"]),
        ]
        unconsented = db.session.scalar(
            sa.select(Registration).where(Registration.email == "mua2@example.com")
        )
        hosted = db.session.scalar(
            sa.select(Participant).where(Participant.registration_id == unconsented.id)
        )
        assert (hosted.hosted, hosted.listed, hosted.company) == (
            True,
            False,
            "Công ty Chưa Đồng Ý",
        )
        assert unconsented.consent_for(ConsentPurpose.MATCHMAKING) is None  # never agreed for them
        assert count(AuditEntry, AuditEntry.action == "matchmaking.imported") == 1
    # Again: the pairs exist already and are left alone.
    again = upload(world, csv_file(rows), "buyers.csv")
    assert "2 pairs already had a request" in again.text
    with app.app_context():
        assert count(MeetingRequest) == 2


def test_one_bad_row_and_nothing_is_imported_each_named_by_its_row(app, world):
    rows = [
        ["Buyer e-mail", "Company", "Meeting limit", "Must meet"],
        ["mua1@example.com", "Điện tử Hải Phòng", "5", "ban1@example.com"],  # good
        ["khongco@example.com", "", "", ""],  # row 3: unknown
        ["mua3@example.com", "", "0", "ban1@example.com"],  # row 4: bad limit
        ["mua1@example.com", "", "", ""],  # row 5: duplicate
        ["mua3@example.com", "", "", "mua9@example.com"],  # row 6: duplicate, a buyer named
        ["mua2@example.com", "", "", "<b>x</b>@example.com; 0000000000"],  # row 7
        ["nhua@example.com", "", "", ""],  # row 8: an exhibitor's staff
    ]
    sent = upload(world, csv_file(rows), "buyers.csv")
    assert sent.status_code == 422
    problems = sent.text.split('class="import-problems"')[1].split("</ul>")[0]
    assert "Row 3: no working registration of this exhibition has this e-mail." in problems
    assert "Row 4: meeting limit must be a whole number from 1 to 100." in problems
    assert "Row 5: this e-mail appears already in row 2." in problems
    assert (
        "Row 6: this e-mail appears already in row 4; mua9@example.com is not a supplier."
        in problems
    )
    assert "&lt;b&gt;x&lt;/b&gt;@example.com is not listed for business matching" in problems
    assert "<b>x</b>" not in sent.text
    assert "no exhibitor has the tax code 0000000000" in problems
    assert "Row 8: this person is an exhibitor&#39;s staff, not a buyer." in problems
    assert "Row 2" not in problems
    with app.app_context():
        assert count(MeetingRequest) == 0
        assert get(Participant, world["buyer"]).hosted is False
        assert count(AuditEntry, AuditEntry.action == "matchmaking.imported") == 0


def test_an_excel_file_is_read_alike(app, world):
    rows = [
        ["E-mail", "Công ty", "Giới hạn", "Cần gặp"],
        ["mua1@example.com", "Điện tử Hải Phòng", 4, world["tax_code"]],
        [None, None, None, None],
        ["mua3@example.com", "<script>alert(1)</script>", 300, ""],
    ]
    refused = upload(world, xlsx_file(rows), "buyers.xlsx")
    assert refused.status_code == 422
    problems = refused.text.split('class="import-problems"')[1].split("</ul>")[0]
    assert problems.count("<li>") == 1 and "Row 4: " in problems
    assert "<script>" not in refused.text
    with app.app_context():
        assert count(MeetingRequest) == 0
    rows[3][1], rows[3][2] = "Công ty Ba", 10
    sent = upload(world, xlsx_file(rows), "buyers.xlsx")
    assert sent.status_code == 200 and "2 hosted buyers imported." in sent.text
    with app.app_context():
        assert count(MeetingRequest, MeetingRequest.must_meet.is_(True)) == 1
        assert count(Participant, Participant.hosted.is_(True)) == 2


def test_must_meet_lists_need_an_organiser_scheduled_session(app, world):
    rows = [["Email", "Cần gặp"], ["mua1@example.com", "ban1@example.com"]]
    sent = upload(world, csv_file(rows), "buyers.csv", session="")
    assert sent.status_code == 422
    assert "Row 2: choose the session of the must-meet meetings." in sent.text
    missing = upload(world, csv_file([["Công ty"], ["A"]]), "buyers.csv")
    assert missing.status_code == 422 and "missing: Buyer&#39;s e-mail" in missing.text
