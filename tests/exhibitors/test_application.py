"""Exhibitor applications: the public form, tax codes, logos, one application per company, workflow."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
from exhibition.exhibitors.services import InvalidTaxCode, normalize_tax_code
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from tests.conftest import csrf_token


@pytest.mark.parametrize(
    ("raw", "compact"),
    [
        ("0100233488", "0100233488"),
        ("0100233488-001", "0100233488001"),
        (" 01 00 233 488 ", "0100233488"),
        ("0314409058-002", "0314409058002"),
    ],
)
def test_tax_code_with_valid_check_digit_is_accepted(raw, compact):
    assert normalize_tax_code(raw) == compact


@pytest.mark.parametrize(
    "raw", ["0100233489", "0100233480", "12345", "", "01002334881", "abcdefghij", "0100233488-000"]
)
def test_tax_code_with_wrong_check_digit_or_length_is_refused(raw):
    with pytest.raises(InvalidTaxCode):
        normalize_tax_code(raw)


def png_bytes(size=(120, 60), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 79, 138)).save(buffer, format=fmt)
    return buffer.getvalue()


def application(client, **overrides):
    page = client.get("/events/expo-2026/exhibit")
    data = {
        "csrf_token": csrf_token(page.text),
        "company_name_vi": "Công ty TNHH Cơ khí Chính xác Hải An",
        "company_name_en": "Hai An Precision Engineering",
        "tax_code": "0100233488",
        "province": "HP",
        "commune": "Phường Đông Hải",
        "street": "Khu công nghiệp Đình Vũ",
        "website": "https://haian.example.com",
        "sectors": ["mechanical", "moulds"],
        "main_products": "Khuôn mẫu, chi tiết máy CNC",
        "certifications": ["ISO 9001", "IATF 16949"],
        "other_certifications": "ISO 50001, JIS Q 9100",
        "contact_name": "Lê Văn Hải",
        "contact_email": "hai@haian.example.com",
        "contact_phone": "0912 345 678",
        "contact_language": "vi",
        "booth_type": "standard",
        "booth_count": "2",
    }
    data.update(overrides)
    return client.post(
        "/events/expo-2026/exhibit",
        data={k: v for k, v in data.items() if v is not None},
        content_type="multipart/form-data",
    )


def exhibitors(app):
    with app.app_context():
        return db.session.scalars(sa.select(Exhibitor)).all()


def test_apply_stores_the_application_and_emails_the_contact(app, client, make_event):
    make_event()
    response = application(client, logo=(io.BytesIO(png_bytes((1600, 400))), "logo.png"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/events/expo-2026/exhibit/sent"
    with app.app_context():
        exhibitor = db.session.scalar(sa.select(Exhibitor))
        assert exhibitor.status is ExhibitorStatus.SUBMITTED
        assert exhibitor.tax_code == "0100233488"
        assert exhibitor.contact_phone == "+84912345678"
        assert [s.code for s in exhibitor.sectors] == ["mechanical", "moulds"]
        assert exhibitor.certifications == ["IATF 16949", "ISO 50001", "ISO 9001", "JIS Q 9100"]
        assert exhibitor.booth_count == 2
        assert [(h.from_status, h.to_status) for h in exhibitor.history] == [
            (None, ExhibitorStatus.SUBMITTED)
        ]
        name = exhibitor.logo_filename
        (message,) = db.session.scalars(sa.select(OutboxMessage)).all()
        assert message.to_address == "hai@haian.example.com"
        assert message.kind == "exhibitor_received"
    assert len(name) == 36 and name.endswith(".png")
    logo = client.get(f"/media/logos/{name}")
    assert logo.mimetype == "image/png"
    assert Image.open(io.BytesIO(logo.data)).size == (800, 200)  # scaled down to fit 800 x 800


def test_apply_twice_with_the_same_tax_code_finds_the_first(app, client, make_event):
    make_event()
    application(client)
    again = application(
        client,
        tax_code="0100 233 488",
        company_name_vi="Tên khác",
        contact_email="other@example.com",
    )
    assert again.status_code == 302
    assert again.headers["Location"] == "/events/expo-2026/exhibit/sent?again=1"
    (exhibitor,) = exhibitors(app)
    assert exhibitor.company_name_vi == "Công ty TNHH Cơ khí Chính xác Hải An"
    with app.app_context():
        kinds = [
            (m.kind, m.to_address)
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert kinds == [
        ("exhibitor_received", "hai@haian.example.com"),
        ("exhibitor_already_applied", "hai@haian.example.com"),
    ]


def test_apply_with_a_branch_tax_code_is_a_different_company(app, client, make_event):
    make_event()
    application(client)
    assert (
        application(client, tax_code="0100233488-001").headers["Location"]
        == "/events/expo-2026/exhibit/sent"
    )
    assert sorted(e.tax_code for e in exhibitors(app)) == ["0100233488", "0100233488001"]


def test_apply_refuses_an_html_file_named_png(app, client, make_event):
    make_event()
    html = b"<html><script>alert(1)</script></html>"
    response = application(client, logo=(io.BytesIO(html), "logo.png"))
    assert response.status_code == 422
    assert 'id="logo-error"' in response.text
    assert exhibitors(app) == []


def test_apply_refuses_a_gif_and_a_huge_pixel_image(app, client, make_event):
    make_event()
    gif = application(client, logo=(io.BytesIO(png_bytes(fmt="GIF")), "logo.gif"))
    assert gif.status_code == 422
    # 6000 x 6000 = 36 megapixels: refused from its header, before it is decoded.
    buffer = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 1_500_000
    huge = application(client, logo=(io.BytesIO(buffer.getvalue()), "logo.png"))
    assert huge.status_code == 422
    assert 'id="logo-error"' in huge.text
    assert exhibitors(app) == []


def test_apply_refuses_a_file_over_the_request_limit_with_413(app, client, make_event):
    make_event()
    response = application(client, logo=(io.BytesIO(b"\x89PNG" + b"0" * 3_000_000), "logo.png"))
    assert response.status_code == 413
    assert exhibitors(app) == []


def test_apply_bad_fields_get_messages_next_to_them(app, client, make_event, make_floor):
    make_event()
    make_floor()  # the wishes are asked for once there is a plan
    cases = {
        "tax_code": {"tax_code": "0100233489"},
        "website": {"website": "javascript:alert(1)"},
        "sectors": {"sectors": None},
        "booth_type": {"booth_type": "palace"},
        "booth_count": {"booth_count": "50"},
        "raw_area_m2": {"booth_type": "raw", "raw_area_m2": ""},
        "contact_phone": {"contact_phone": "123"},
        "company_name_vi": {"company_name_vi": "Công ty 🚀"},
        "preference_1": {"preference_1": "Z99"},
    }
    for field, overrides in cases.items():
        response = application(client, **overrides)
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in response.text, field
    assert exhibitors(app) == []


def login(app, client):
    from exhibition.accounts.services import create_organiser

    with app.app_context():
        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
    page = client.get("/admin/login?lang=en")
    client.post(
        "/admin/login",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "btc@example.com",
            "password": "mat-khau-dai",
        },
    )


def decide(client, exhibitor_id, status, reason=""):
    url = f"/admin/events/expo-2026/exhibitors/{exhibitor_id}"
    return client.post(
        url,
        data={"csrf_token": csrf_token(client.get(url).text), "status": status, "reason": reason},
    )


def test_workflow_needs_reasons_logs_changes_and_emails_in_the_contacts_language(
    app, client, make_event
):
    make_event()
    application(client, contact_language="en")
    (exhibitor,) = exhibitors(app)
    login(app, client)
    refused = decide(client, exhibitor.id, "rejected")
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.text
    assert decide(client, exhibitor.id, "waitlisted", "Hết chỗ khu Cơ khí").status_code == 302
    assert decide(client, exhibitor.id, "approved").status_code == 302
    assert (
        decide(client, exhibitor.id, "submitted").status_code == 422
    )  # not a move the workflow allows
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor.id)
        assert exhibitor.status is ExhibitorStatus.APPROVED
        assert exhibitor.approved_at is not None
        assert [
            (h.to_status.value, h.reason, h.user_id is not None) for h in exhibitor.history
        ] == [
            ("submitted", "", False),
            ("waitlisted", "Hết chỗ khu Cơ khí", True),
            ("approved", "", True),
        ]
        subjects = [
            m.subject
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        bodies = [
            m.body_text
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert subjects[1:] == [
        "Your exhibitor application: Waiting list",
        "Your exhibitor application: Approved",
    ]
    assert "Hết chỗ khu Cơ khí" in bodies[1]


def test_organiser_list_searches_without_diacritics_and_filters_by_status(app, client, make_event):
    make_event()
    application(client)
    application(
        client,
        tax_code="0314409058",
        company_name_vi="Công ty CP Nhựa Tiền Phong",
        company_name_en="",
        sectors=["plastics"],
        contact_email="np@example.com",
    )
    login(app, client)
    page = client.get("/admin/events/expo-2026/exhibitors/?q=nhua+tien")
    assert "Nhựa Tiền Phong" in page.text
    assert "Hai An Precision" not in page.text  # the list shows the English name in English
    assert (
        "Hai An Precision" in client.get("/admin/events/expo-2026/exhibitors/?sector=moulds").text
    )
    assert "Nhựa" not in client.get("/admin/events/expo-2026/exhibitors/?status=approved").text


def test_apply_logo_from_a_phone_is_stored_upright(app, client, make_event):
    make_event()
    image = Image.new("RGB", (120, 60), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    response = application(client, logo=(io.BytesIO(buffer.getvalue()), "IMG_0001.jpg"))
    assert response.status_code == 302
    (exhibitor,) = exhibitors(app)
    logo = client.get(f"/media/logos/{exhibitor.logo_filename}")
    assert Image.open(io.BytesIO(logo.data)).size == (60, 120)
