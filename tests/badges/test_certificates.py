"""Certificates of attendance: who gets one, the PDF and its QR code, verification by anyone,
erasure, the organisers' template, all at once as one PDF or a ZIP, and name corrections."""

import io
import zipfile
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp

from exhibition.accounts.models import AuditEntry
from exhibition.badges import certificates
from exhibition.badges.models import Certificate
from exhibition.extensions import db
from exhibition.programme import seats
from exhibition.programme.models import ConferenceSession
from exhibition.visitors.erasure import erase_registration, purge_personal_data
from exhibition.visitors.models import Registration
from tests.conftest import login_client, on_today, scan
from tests.pages import form_posting_to

EVENT_VI = "Triển lãm Công nghiệp hỗ trợ 2026"
A4_LANDSCAPE = (842, 595)  # points


def read_pdf(data: bytes) -> list[tuple[str, tuple[int, int], object]]:
    """Each page's text, size in points and image (to decode its QR code)."""
    document = pdfium.PdfDocument(data)
    try:
        result = []
        for page in document:
            text = " ".join(page.get_textpage().get_text_range().split())
            width, height = page.get_size()
            result.append((text, (round(width), round(height)), page.render(scale=3).to_pil()))
        return result
    finally:
        document.close()


@pytest.fixture
def attendee(app, make_event, make_visitor, make_device, client):
    """An exhibition on today, and a person checked in at its entrance by a station's scan."""
    make_event(**on_today())
    person = make_visitor(full_name="Nguyễn Thị Hồng Nhung", phone="+84912345678")
    token = make_device()
    assert scan(client, token, person["badge_code"], "n-entry").json["result"] == "ok"
    person["device_token"] = token
    return person


def test_a_checked_in_person_downloads_a_landscape_certificate_whose_qr_verifies(
    app, client, attendee
):
    page = client.get(f"/r/{attendee['manage_token']}?lang=vi")
    link = f"/r/{attendee['manage_token']}/certificate.pdf"
    assert f'href="{link}"' in page.text

    answer = client.get(link)

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    ((text, size, image),) = read_pdf(answer.data)
    assert size == A4_LANDSCAPE
    assert "GIẤY CHỨNG NHẬN THAM DỰ" in text
    assert "Nguyễn Thị Hồng Nhung" in text
    assert EVENT_VI in text
    assert "Công ty TNHH Cơ khí Hải An" in text
    (decoded,) = [r.text for r in zxingcpp.read_barcodes(image)]
    with app.app_context():
        certificate = db.session.scalar(sa.select(Certificate))
        assert decoded == f"http://testserver.local/c/{certificate.code}"
        assert certificate.name == "Nguyễn Thị Hồng Nhung" and certificate.session_id is None
    assert certificates.grouped(certificate.code) in text  # the short address printed under it
    verified = client.get(urlsplit(decoded).path + "?lang=vi")
    assert verified.status_code == 200
    assert "Nguyễn Thị Hồng Nhung" in verified.text and EVENT_VI in verified.text
    assert attendee["email"] not in verified.text
    assert "912" not in verified.text and "Cơ khí Hải An" not in verified.text
    # Downloading again gives the same certificate, not a second one.
    client.get(link)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_a_person_in_english_gets_the_english_certificate(app, client, make_event, make_visitor):
    make_event(**on_today())
    person = make_visitor(full_name="John Smith", language="en")
    with app.app_context():
        _check_in(person["id"])
    ((text, _size, _image),) = read_pdf(
        client.get(f"/r/{person['manage_token']}/certificate.pdf").data
    )
    assert "CERTIFICATE OF ATTENDANCE" in text and "Supporting Industry Expo 2026" in text


def _check_in(registration_id: int) -> None:
    from exhibition.accounts.services import create_organiser
    from exhibition.checkin.scanning import check_in_by_hand

    user = create_organiser(email=f"desk{registration_id}@example.com", password="mat-khau-dai")
    check_in_by_hand(registration=db.session.get(Registration, registration_id), user=user)
    db.session.commit()


def test_someone_not_checked_in_is_told_they_did_not_attend(client, make_event, make_visitor):
    make_event(**on_today())
    person = make_visitor()
    page = client.get(f"/r/{person['manage_token']}?lang=en")
    assert "Once your badge is scanned at the entrance" in page.text
    assert "certificate.pdf" not in page.text

    answer = client.get(f"/r/{person['manage_token']}/certificate.pdf?lang=en")

    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert "the check-in shows no attendance of yours" in answer.text
    assert f"/r/{person['manage_token']}" in answer.text


def test_cancelled_registrations_have_no_certificate(app, client, attendee):
    from exhibition.visitors.changes import cancel_registration

    with app.app_context():
        cancel_registration(registration=db.session.get(Registration, attendee["id"]))
        db.session.commit()
    assert client.get(f"/r/{attendee['manage_token']}/certificate.pdf").status_code == 404
    assert client.get("/r/no-such-token/certificate.pdf").status_code == 404


def test_a_session_certificate_is_for_people_scanned_at_its_door(
    app, client, make_event, make_visitor, make_device, make_session
):
    make_event(**on_today())
    inside, absent = make_visitor(), make_visitor()
    session_id = make_session(title="Hội thảo khuôn mẫu <b>chính xác</b>")
    other_id = make_session(title="Phiên khác", room="Phòng 2")
    with app.app_context():
        session = db.session.get(ConferenceSession, session_id)
        for person in (inside, absent):
            seats.book(session=session, registration=db.session.get(Registration, person["id"]))
        db.session.commit()
    token = make_device()
    answer = client.post(
        "/api/v1/checkin",
        json={
            "code": inside["badge_code"],
            "nonce": "door-1",
            "type": "entry",
            "session_id": session_id,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json["result"] == "ok"
    page = client.get(f"/r/{inside['manage_token']}?lang=en")
    link = f"/r/{inside['manage_token']}/sessions/{session_id}/certificate.pdf"
    assert f'href="{link}"' in page.text
    assert "Hội thảo khuôn mẫu &lt;b&gt;chính xác&lt;/b&gt;" in page.text

    ((text, size, _image),) = read_pdf(client.get(link).data)

    assert size == A4_LANDSCAPE
    assert "Hội thảo khuôn mẫu <b>chính xác</b>" in text  # as typed, markup is only text
    # Not at the session's door: no certificate of it, nor of the exhibition.
    refused = f"/r/{absent['manage_token']}/sessions/{session_id}/certificate.pdf"
    assert client.get(refused).status_code == 403
    assert (
        client.get(f"/r/{inside['manage_token']}/sessions/{other_id}/certificate.pdf").status_code
        == 403
    )
    assert client.get(f"/r/{inside['manage_token']}/certificate.pdf").status_code == 403
    assert (
        client.get(f"/r/{inside['manage_token']}/sessions/999999/certificate.pdf").status_code
        == 404
    )


def _issued_code(app, client, person) -> str:
    assert client.get(f"/r/{person['manage_token']}/certificate.pdf").status_code == 200
    with app.app_context():
        return db.session.scalar(
            sa.select(Certificate.code).where(Certificate.registration_id == person["id"])
        )


def test_a_tampered_or_unknown_code_is_not_found(app, client, attendee):
    code = _issued_code(app, client, attendee)
    assert client.get(f"/c/{code}").status_code == 200
    assert client.get(f"/c/{certificates.grouped(code).lower()}").status_code == 200  # typed
    tampered = ("B" if code[5] == "A" else "A").join([code[:5], code[6:]])
    for wrong in (tampered, code[:-1], code + "A", "0" * 26, "<script>"):
        answer = client.get(f"/c/{wrong}")
        assert answer.status_code == 404, wrong
        assert "Nguyễn" not in answer.text


def test_an_erased_persons_certificate_no_longer_verifies(app, client, attendee):
    code = _issued_code(app, client, attendee)
    login_client(app, client)
    with app.app_context():
        certificate = db.session.scalar(sa.select(Certificate))
        certificates.correct_name(
            certificate=certificate, name="TS. Nguyễn Thị Hồng Nhung", actor=None
        )
        db.session.commit()
        erase_registration(
            registration=db.session.get(Registration, attendee["id"]), reason="person"
        )
        db.session.commit()
        certificate = db.session.scalar(sa.select(Certificate))
        assert certificate.name == "—"
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "certificate.name_corrected")
        )
        assert entry.details == {"old": "—", "new": "—"}
    assert client.get(f"/c/{code}").status_code == 404
    assert (
        client.get(f"/admin/events/expo-2026/certificates/{certificate.id}.pdf").status_code == 404
    )


def test_the_retention_purge_withdraws_certificates(app, client, attendee):
    from datetime import timedelta

    from exhibition.events.models import Event

    code = _issued_code(app, client, attendee)
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        event.retention_days = 30
        db.session.commit()
        purge_personal_data(now=event.ends_at + timedelta(days=32))
        db.session.commit()
    assert client.get(f"/c/{code}").status_code == 404


def test_organisers_template_refuses_unknown_fields_and_prints_the_saved_one(app, client, attendee):
    login_client(app, client)
    url = "/admin/events/expo-2026/certificates/template"
    page = client.get(url)
    form = form_posting_to(page.text, "/certificates/template", url)
    assert form.control("title_vi").value == "GIẤY CHỨNG NHẬN THAM DỰ"

    refused = client.post(
        form.action, data=form.data(body_vi="Chứng nhận {name} ({email}) tại {event} {phone}")
    )

    assert refused.status_code == 422
    assert "Unknown fields: {email}, {phone}." in refused.text
    stray = client.post(form.action, data=form.data(session_body_vi="Chứng nhận {name"))
    assert stray.status_code == 422 and "A brace must enclose a field" in stray.text

    saved = client.post(
        form.action,
        data=form.data(
            title_vi="CHỨNG NHẬN <i>{event}</i>",
            signatory_name="Bùi Quang Hải",
            signatory_title_vi="Giám đốc Sở Công Thương",
        ),
    )

    assert saved.status_code == 302
    again = client.get(url)
    assert "CHỨNG NHẬN &lt;i&gt;{event}&lt;/i&gt;" in again.text
    ((text, _size, _image),) = read_pdf(
        client.get(f"/r/{attendee['manage_token']}/certificate.pdf").data
    )
    assert f"CHỨNG NHẬN <i>{EVENT_VI}</i>" in text
    assert "Bùi Quang Hải" in text and "GIÁM ĐỐC SỞ CÔNG THƯƠNG" in text


def _three_attendees(app, client, make_visitor):
    people = [make_visitor(full_name=f"Trần Văn Khách {n}") for n in range(3)]
    make_visitor(full_name="Không Đến")  # registered, never came
    with app.app_context():
        for person in people:
            _check_in(person["id"])
    return people


def test_organisers_make_all_certificates_as_one_pdf(app, client, make_event, make_visitor):
    make_event(**on_today())
    _three_attendees(app, client, make_visitor)
    login_client(app, client)
    url = "/admin/events/expo-2026/certificates/"
    page = client.get(url)
    assert 'data-count="3"' in page.text and "Không Đến" not in page.text
    form = form_posting_to(page.text, "/certificates/generate", url)
    (pdf_button,) = [b for b in form.buttons if b.value == "pdf"]

    answer = client.post(form.action, data=form.data(pdf_button))

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pages = read_pdf(answer.data)
    assert len(pages) == 3
    assert [t for t, _s, _i in pages if "Trần Văn Khách 1" in t]
    assert {size for _t, size, _i in pages} == {A4_LANDSCAPE}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 3
        assert db.session.scalar(
            sa.select(AuditEntry.details).where(AuditEntry.action == "certificates.generated")
        ) == {"certificates": 3, "format": "pdf"}


def test_organisers_make_a_zip_of_one_pdf_per_person(app, client, make_event, make_visitor):
    make_event(**on_today())
    _three_attendees(app, client, make_visitor)
    login_client(app, client)
    url = "/admin/events/expo-2026/certificates/"
    form = form_posting_to(client.get(url).text, "/certificates/generate", url)
    (zip_button,) = [b for b in form.buttons if b.value == "zip"]

    answer = client.post(form.action, data=form.data(zip_button))

    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert archive.namelist() == [
        "0001-tran-van-khach-0.pdf",
        "0002-tran-van-khach-1.pdf",
        "0003-tran-van-khach-2.pdf",
    ]
    ((text, size, _image),) = read_pdf(archive.read("0002-tran-van-khach-1.pdf"))
    assert "Trần Văn Khách 1" in text and size == A4_LANDSCAPE


def test_a_name_correction_is_printed_and_audited_with_both_names(
    app, client, make_event, make_visitor
):
    make_event(**on_today())
    people = _three_attendees(app, client, make_visitor)
    login_client(app, client)
    url = "/admin/events/expo-2026/certificates/"
    listing = client.get(url)
    edit_url = f"/admin/events/expo-2026/certificates/people/{people[1]['id']}/name"
    assert f'href="{edit_url}"' in listing.text
    page = client.get(edit_url)
    form = form_posting_to(page.text, "/name", edit_url)
    assert form.control("name").value == "Trần Văn Khách 1"

    bad = client.post(form.action, data=form.data(name="   "))
    assert bad.status_code == 422
    done = client.post(form.action, data=form.data(name="TS. Trần Văn Khách <Một>"))

    assert done.status_code == 302
    listing = client.get(url)
    assert "TS. Trần Văn Khách &lt;Một&gt;" in listing.text
    with app.app_context():
        certificate = db.session.scalar(
            sa.select(Certificate).where(Certificate.registration_id == people[1]["id"])
        )
        assert certificate.name == "TS. Trần Văn Khách <Một>"
        assert db.session.get(Registration, people[1]["id"]).full_name == "Trần Văn Khách 1"
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "certificate.name_corrected")
        )
        assert entry.details == {"old": "Trần Văn Khách 1", "new": "TS. Trần Văn Khách <Một>"}
        assert (entry.target_type, entry.target_id, entry.actor) == (
            "certificate", certificate.id, "btc@example.com",
        )  # fmt: skip
    audit = client.get("/admin/events/expo-2026/audit?lang=en")
    assert "Trần Văn Khách 1 → TS. Trần Văn Khách &lt;Một&gt;" in audit.text
    one = client.get(f"/admin/events/expo-2026/certificates/{certificate.id}.pdf")
    ((text, _size, _image),) = read_pdf(one.data)
    assert "TS. Trần Văn Khách <Một>" in text


def test_unknown_ids_and_other_exhibitions_are_not_found(app, client, make_event, make_visitor):
    make_event(**on_today())
    make_event(slug="other-2026", **on_today())
    stranger = make_visitor(slug="other-2026")
    never = make_visitor()
    login_client(app, client)
    base = "/admin/events/expo-2026/certificates"
    for url in (
        f"{base}/999999.pdf",
        f"{base}/people/{stranger['id']}/name",
        f"{base}/people/{never['id']}/name",  # did not attend
        f"{base}/people/999999/name",
        f"{base}/?session=999999",
        f"{base}/?session=abc",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/admin/events/nope/certificates/").status_code == 404


def test_placeholders_are_filled_once_and_unknown_ones_named():
    values = {"name": "{event}", "event": "Triển lãm"}
    assert (
        certificates.fill("{name} / {event} / {other}", values) == "{event} / Triển lãm / {other}"
    )
    assert certificates.placeholder_problem("{name} {dates} {session}") is None
    assert "{x}" in certificates.placeholder_problem("{x}")
    assert certificates.placeholder_problem("{name:>999999}") is not None  # no format specs
    assert certificates.placeholder_problem("}") is not None


def test_my_data_lists_the_persons_certificates(app, client, attendee):
    code = _issued_code(app, client, attendee)
    mine = client.get(f"/r/{attendee['manage_token']}/my-data.json").json
    (certificate,) = mine["certificates"]
    assert (certificate["name"], certificate["code"], certificate["session"]) == (
        "Nguyễn Thị Hồng Nhung", code, None,
    )  # fmt: skip
