"""Invitations: delegates imported from CSV or Excel (bad rows reported, good rows kept), numbered
e-mails in the delegate's language, accepting (badge and seat, once), declining, sending again."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from exhibition.dbtypes import utcnow
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.programme import invitations, seats
from exhibition.programme.models import (
    BookingStatus,
    ConferenceSession,
    Invitation,
    InvitationStatus,
    SessionBooking,
)
from exhibition.visitors.models import Registration, RegistrationSource
from tests.conftest import csrf_token, login_client

BAD_ROWS = [
    ["Nguyễn Văn An", "Chủ tịch", "UBND quận Kiến An", "An.Nguyen@Example.com", "0912 345 678", "vi"],
    ["Trần Thị Bình", "Phó Chủ tịch", "UBND quận Kiến An", "", "0912345679", ""],
    ["Nguyễn Văn An", "Chủ tịch", "UBND quận Kiến An", "an.nguyen@example.com", "", ""],
    ["Lê Văn Cường", "Trưởng phòng Kinh tế", "UBND huyện An Lão", "cuong@example.com", "12345", ""],
    ["John Smith", "Consul", "Consulate General", "john.smith@example.org", "+44 20 7946 0958", "en"],
    ["Phạm Văn Dũng", "", "", "not-an-email", "", ""],
    ["", "Giám đốc", "Sở Công Thương", "nobody@example.com", "", ""],
]  # fmt: skip
EXPECTED_ERRORS = [
    "Row 3: e-mail missing.",
    "Row 4: this e-mail appears already in row 2.",
    "Row 5: phone number not valid.",
    "Row 7: e-mail address not valid.",
    "Row 8: full name missing.",
]


def csv_file(rows, header=("Họ và tên", "Chức vụ", "Đơn vị", "Email", "Điện thoại", "Ngôn ngữ")):
    lines = [";".join(header)] + [";".join(row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_file(rows, header=("full_name", "position", "organisation", "email", "phone", "language")):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        # A phone typed as a number in Excel loses its leading zero.
        sheet.append([int(c[1:]) if c.startswith("0") and c.isdigit() else c for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def invitation_session(make_event, make_session, **overrides):
    make_event()
    return make_session(
        title="Hội nghị ngành Công Thương cấp quận",
        title_en="District industry and trade conference",
        access="invitation",
        **overrides,
    )


def invite(app, session_id, rows, *, filename="delegates.csv"):
    with app.app_context():
        session = db.session.get(ConferenceSession, session_id)
        report = invitations.import_delegates(
            session=session, data=csv_file(rows), filename=filename
        )
        db.session.commit()
        return report


def tokens(app):
    with app.app_context():
        return {
            i.email: i.token
            for i in db.session.scalars(sa.select(Invitation).order_by(Invitation.number))
        }


def admin_url(session_id):
    return f"/admin/events/expo-2026/programme/sessions/{session_id}/invitations"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_delegate_import_with_bad_rows_reports_each_row_and_imports_the_good_rows(
    app, client, make_event, make_session, kind
):
    session_id = invitation_session(make_event, make_session)
    login_client(app, client)
    data = csv_file(BAD_ROWS) if kind == "csv" else xlsx_file(BAD_ROWS)
    page = client.get(admin_url(session_id))
    assert page.status_code == 200

    response = client.post(
        admin_url(session_id),
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), f"list.{kind}")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    shown = re.findall(r"<li>(Row \d+: [^<]+)</li>", response.text)
    assert shown == EXPECTED_ERRORS
    assert "2 delegates invited" in response.text
    with app.app_context():
        stored = db.session.scalars(sa.select(Invitation).order_by(Invitation.number)).all()
        assert [(i.number, i.full_name, i.email, i.phone, i.language) for i in stored] == [
            (1, "Nguyễn Văn An", "An.Nguyen@example.com", "+84912345678", "vi"),
            (2, "John Smith", "john.smith@example.org", "+442079460958", "en"),
        ]
        assert stored[0].organisation == "UBND quận Kiến An"
        assert stored[0].position == "Chủ tịch"
        assert [i.status for i in stored] == [InvitationStatus.PENDING] * 2
        assert [i.sent_count for i in stored] == [1, 1]
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 2

    # The same file again: the good rows are recognised, nothing is stored twice.
    page = client.get(admin_url(session_id))
    again = client.post(
        admin_url(session_id),
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), f"list.{kind}")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 422
    assert re.findall(r"<li>(Row \d+: [^<]+)</li>", again.text) == sorted(
        EXPECTED_ERRORS
        + ["Row 2: already invited to this session.", "Row 6: already invited to this session."],
        key=lambda e: int(e.split()[1].rstrip(":")),
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 2


def test_delegate_names_without_a_visible_letter_are_reported_by_row(
    app, client, make_event, make_session
):
    session_id = invitation_session(make_event, make_session)
    login_client(app, client)
    rows = [
        ["\u3164\u3164", "", "", "filler@example.com", "", ""],
        ["Lê Văn" + "\u0301" * 4, "", "", "piled@example.com", "", ""],
        ["Nguyễn Thị Ánh Tuyết", "", "", "tuyet@example.com", "", ""],
    ]
    page = client.get(admin_url(session_id))
    response = client.post(
        admin_url(session_id),
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(csv_file(rows)), "a.csv")},
        content_type="multipart/form-data",
    )
    assert re.findall(r"<li>(Row \d+: [^<]+)</li>", response.text) == [
        "Row 2: full name has no visible letter.",
        "Row 3: full name has a letter with more than 3 accent marks.",
    ]
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation.full_name)).all() == ["Nguyễn Thị Ánh Tuyết"]


def test_delegate_import_of_good_rows_only_answers_200(app, client, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    login_client(app, client)
    page = client.get(admin_url(session_id))
    data = csv_file(
        [BAD_ROWS[0], BAD_ROWS[4]],
        header=("full_name", "position", "organisation", "email", "phone", "language"),
    )
    response = client.post(
        admin_url(session_id),
        data={
            "csrf_token": csrf_token(page.text),
            "file": (io.BytesIO(data.replace(b";", b",")), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "2 delegates invited" in response.text
    assert "Nguyễn Văn An" in response.text and "No. 002" in response.text


def test_delegate_file_without_the_columns_or_too_many_rows_is_refused(
    app, make_event, make_session
):
    session_id = invitation_session(make_event, make_session)
    with app.test_request_context("/?lang=en"):
        rows, errors = invitations.parse_delegates(b"name;phone\nAn;0912345678\n", "x.csv")
        assert rows == [] and errors == ["The first row must name the columns; missing: E-mail."]
        many = [
            [f"Người {n}", "", "", f"p{n}@example.com", "", ""]
            for n in range(invitations.MAX_ROWS + 5)
        ]
        rows, errors = invitations.parse_delegates(csv_file(many), "x.csv")
        assert len(rows) == invitations.MAX_ROWS
        assert errors == [
            f"At most {invitations.MAX_ROWS} delegates per file; the rest was not read."
        ]
        rows, errors = invitations.parse_delegates(b"PK\x03\x04broken", "x.xlsx")
        assert errors == ["The file is not an Excel workbook (.xlsx)."]
        rows, errors = invitations.parse_delegates(b"x" * (invitations.MAX_BYTES + 1), "x.csv")
        assert errors == ["The file is larger than 2 MB."]
        assert db.session.get(ConferenceSession, session_id) is not None


def test_invitation_numbers_run_on_per_event_across_sessions(app, make_event, make_session):
    a = invitation_session(make_event, make_session)
    b = make_session(title="Phiên B", room="Phòng 2", access="invitation")
    invite(app, a, [BAD_ROWS[0], BAD_ROWS[4]])
    invite(app, b, [BAD_ROWS[0]])  # the same person may be invited to another session
    make_event(slug="other-expo")
    c = make_session(slug="other-expo", title="Khác")
    invite(app, c, [BAD_ROWS[4]])
    with app.app_context():
        found = db.session.execute(
            sa.select(Invitation.session_id, Invitation.number).order_by(Invitation.id)
        ).all()
        assert [tuple(r) for r in found] == [(a, 1), (a, 2), (b, 3), (c, 1)]
        labels = [invitations.number_label(n) for n in (1, 12, 123)]
        assert labels == ["Số 001", "Số 012", "Số 123"]  # Vietnamese by default


def test_invitation_email_is_in_the_delegates_language_with_working_links(
    app, client, make_event, make_session
):
    session_id = invitation_session(make_event, make_session)
    invite(app, session_id, [BAD_ROWS[0], BAD_ROWS[4]])
    with app.app_context():
        messages = {
            m.to_address: m
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        }
        vi, en = messages["An.Nguyen@example.com"], messages["john.smith@example.org"]
        assert (vi.kind, vi.language, en.kind, en.language) == (
            "invitation",
            "vi",
            "invitation",
            "en",
        )
        assert "Hội nghị ngành Công Thương cấp quận" in vi.subject and "Số 001" in vi.subject
        assert "District industry and trade conference" in en.subject and "No. 002" in en.subject
        assert '<html lang="vi">' in vi.body_html and '<html lang="en">' in en.body_html
        assert "Phòng hội thảo 1" in vi.body_text
        assert "UBND quận Kiến An" in vi.body_text
        vi_text, en_html = vi.body_text, en.body_html
    token = tokens(app)["An.Nguyen@example.com"]
    accept_url = f"http://testserver.local/invitations/{token}?lang=vi&answer=accept"
    assert accept_url in vi_text
    assert f"http://testserver.local/invitations/{token}?lang=vi&answer=decline" in vi_text
    en_token = tokens(app)["john.smith@example.org"]
    assert f"http://testserver.local/invitations/{en_token}?lang=en&amp;answer=accept" in en_html

    page = client.get(accept_url.removeprefix("http://testserver.local"))
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Hội nghị ngành Công Thương cấp quận" in page.text
    assert f'action="/invitations/{token}/accept?lang=vi"' in page.text
    # Without ?lang= the page is in the invitation's language.
    english = client.get(f"/invitations/{en_token}")
    assert '<html lang="en">' in english.text
    assert "District industry and trade conference" in english.text
    with app.app_context():  # looking changed nothing
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
        assert {i.status for i in db.session.scalars(sa.select(Invitation))} == {
            InvitationStatus.PENDING
        }


def accept_by_page(client, token):
    page = client.get(f"/invitations/{token}?lang=en")
    return client.post(
        f"/invitations/{token}/accept?lang=en", data={"csrf_token": csrf_token(page.text)}
    )


def test_accepting_twice_gives_one_delegate_badge_and_one_seat_even_over_capacity(
    app, client, make_event, make_session, make_visitor
):
    session_id = invitation_session(make_event, make_session, capacity=1)
    other = make_visitor()
    with app.app_context():  # the only seat is taken already
        session = db.session.get(ConferenceSession, session_id)
        seats.book(
            session=session, registration=db.session.get(Registration, other["id"]), invited=True
        )
        db.session.commit()
    invite(app, session_id, [BAD_ROWS[0]])
    token = tokens(app)["An.Nguyen@example.com"]

    first = accept_by_page(client, token)
    second = accept_by_page(client, token)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == f"/invitations/{token}?lang=en"
    with app.app_context():
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.email_key == "an.nguyen@example.com")
        )
        assert registration.category.code == "delegate"
        assert registration.category.is_public is False  # the event's Delegate category
        assert registration.source is RegistrationSource.INVITATION
        assert (registration.full_name, registration.job_title, registration.organisation) == (
            "Nguyễn Văn An",
            "Chủ tịch",
            "UBND quận Kiến An",
        )
        assert (registration.province_code, registration.country_code) == ("HP", "VN")
        assert registration.consent_for(registration.consents[0].purpose).granted is True
        bookings = db.session.scalars(
            sa.select(SessionBooking).where(SessionBooking.registration_id == registration.id)
        ).all()
        assert [b.status for b in bookings] == [BookingStatus.SEATED]
        assert db.session.get(ConferenceSession, session_id).seats_taken == 2
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.status is InvitationStatus.ACCEPTED
        assert invitation.registration_id == registration.id
        kinds = db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.to_address == "An.Nguyen@example.com")
        ).all()
        assert sorted(kinds) == ["confirmation", "invitation"]  # the badge, once
        manage_token = registration.manage_token
        # The service called again returns the same registration.
        assert invitations.accept(invitation=invitation).id == registration.id
        db.session.commit()
        assert db.session.get(ConferenceSession, session_id).seats_taken == 2
    page = client.get(f"/invitations/{token}?lang=en")
    assert "you have accepted this invitation" in page.text
    assert f'href="/r/{manage_token}"' in page.text


def test_accepting_without_the_form_token_changes_nothing(app, client, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    invite(app, session_id, [BAD_ROWS[0]])
    token = tokens(app)["An.Nguyen@example.com"]
    assert client.post(f"/invitations/{token}/accept").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.status)) is InvitationStatus.PENDING


def test_a_person_registered_already_keeps_one_registration(
    app, client, make_event, make_session, make_visitor
):
    """Registered with a proven address (by the confirmation e-mail's link): the invitation joins
    that registration (tests/visitors/test_addresses.py: a typed address takes nothing)."""
    from exhibition.visitors.addresses import address_proof
    from exhibition.visitors.services import prove_address

    session_id = invitation_session(make_event, make_session)
    visitor = make_visitor(email="an.nguyen@example.com")
    with app.app_context():
        registration = db.session.get(Registration, visitor["id"])
        assert prove_address(
            registration=registration, proof=address_proof(registration=registration)
        )
        db.session.commit()
    invite(app, session_id, [BAD_ROWS[0]])
    assert accept_by_page(client, tokens(app)["An.Nguyen@example.com"]).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1
        booking = db.session.scalar(sa.select(SessionBooking))
        assert (booking.registration_id, booking.status) == (visitor["id"], BookingStatus.SEATED)


def test_declining_after_accepting_frees_the_seat_and_accepting_again_is_allowed(
    app, client, make_event, make_session
):
    session_id = invitation_session(make_event, make_session)
    invite(app, session_id, [BAD_ROWS[0]])
    token = tokens(app)["An.Nguyen@example.com"]
    accept_by_page(client, token)
    page = client.get(f"/invitations/{token}?lang=en")
    response = client.post(
        f"/invitations/{token}/decline?lang=en", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.status is InvitationStatus.DECLINED
        assert db.session.scalar(sa.select(SessionBooking.status)) is BookingStatus.CANCELLED
        assert db.session.get(ConferenceSession, session_id).seats_taken == 0
        assert not invitation.registration.is_cancelled  # the exhibition badge stays
    page = client.get(f"/invitations/{token}?lang=en")
    assert "You have declined this invitation" in page.text
    accept_by_page(client, token)
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.status)) is InvitationStatus.ACCEPTED
        assert db.session.scalar(sa.select(SessionBooking.status)) is BookingStatus.SEATED
        assert db.session.get(ConferenceSession, session_id).seats_taken == 1
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1


def test_declining_without_accepting_makes_no_registration(app, client, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    invite(app, session_id, [BAD_ROWS[0]])
    token = tokens(app)["An.Nguyen@example.com"]
    page = client.get(f"/invitations/{token}?answer=decline")
    client.post(f"/invitations/{token}/decline", data={"csrf_token": csrf_token(page.text)})
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.status is InvitationStatus.DECLINED
        assert invitation.answered_at is not None
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_answers_are_refused_once_the_session_is_over(app, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    invite(app, session_id, [BAD_ROWS[0]])
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        later = invitation.session.ends_at + timedelta(minutes=1)
        with pytest.raises(invitations.InvitationClosed):
            invitations.accept(invitation=invitation, now=later)
        with pytest.raises(invitations.InvitationClosed):
            invitations.decline(invitation=invitation, now=later)


def test_sending_again_waits_ten_minutes(app, client, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    invite(app, session_id, [BAD_ROWS[0], BAD_ROWS[4]])
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation).order_by(Invitation.number))
        with pytest.raises(invitations.ResentTooSoon):
            invitations.resend(invitation=invitation)
        later = utcnow() + timedelta(minutes=11)
        invitations.resend(invitation=invitation, now=later)
        assert invitation.sent_count == 2
        with pytest.raises(invitations.ResentTooSoon):
            invitations.resend(invitation=invitation, now=later + timedelta(minutes=5))
        session = db.session.get(ConferenceSession, session_id)
        # Only the second delegate is due again at that time.
        assert invitations.resend_pending(session=session, now=later + timedelta(minutes=1)) == 1
        db.session.commit()
        assert sorted(db.session.scalars(sa.select(OutboxMessage.kind))) == [
            "invitation", "invitation", "invitation_resent", "invitation_resent",
        ]  # fmt: skip
        invitation_id = invitation.id

    login_client(app, client)
    page = client.get(admin_url(session_id))
    response = client.post(
        f"{admin_url(session_id)}/{invitation_id}/resend",
        data={"csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )
    assert "less than 10 minutes ago" in response.text
    response = client.post(
        f"{admin_url(session_id)}/resend",
        data={"csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )
    assert "Invitations sent again: 0." in response.text


def test_organisers_see_answers_filter_and_export(app, client, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    invite(
        app,
        session_id,
        [BAD_ROWS[0], BAD_ROWS[4], ['=HYPERLINK("x")', "", "", "f@example.com", "", ""]],
    )
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.number == 2))
        invitations.decline(invitation=invitation)
        db.session.commit()
    login_client(app, client)
    page = client.get(admin_url(session_id) + "?status=declined")
    assert page.status_code == 200
    assert "John Smith" in page.text and "Nguyễn Văn An" not in page.text
    assert re.search(r"<strong>2</strong>\s*No answer", page.text)
    assert re.search(r"<strong>1</strong>\s*Declined", page.text)

    csv_text = client.get(admin_url(session_id) + ".csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffNo.,Full name,Position,")
    assert "No. 001,Nguyễn Văn An,Chủ tịch,UBND quận Kiến An,An.Nguyen@example.com" in csv_text
    assert "'=HYPERLINK" in csv_text
    xlsx = client.get(admin_url(session_id) + ".xlsx?status=declined")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows] == ["Full name", "John Smith"]
    assert rows[1][6:9] == ("English", "Declined", 1)
    vietnamese = client.get(admin_url(session_id) + "?lang=vi")
    assert vietnamese.status_code == 200 and '<html lang="vi">' in vietnamese.text


def test_unknown_invitation_token_is_not_found(client):
    assert client.get("/invitations/no-such-token").status_code == 404
    assert client.get("/invitations/" + "x" * 80).status_code == 404


def test_organiser_pages_need_sign_in(app, client, make_event, make_session):
    session_id = invitation_session(make_event, make_session)
    response = client.get(admin_url(session_id))
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    assert client.get(admin_url(session_id) + ".csv").status_code == 302
    login_client(app, client)
    assert client.get(admin_url(session_id + 1000)).status_code == 404
    with app.app_context():
        assert get_event(slug="expo-2026") is not None
