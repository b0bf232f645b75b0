"""The exhibitor portal: sign-in links, the profile, and staff badges within the booth's quota."""

import re
import threading

import sqlalchemy as sa

from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.visitors.models import Registration, RegistrationStatus
from tests.booths.test_allocation_service import confirm_booth
from tests.conftest import csrf_token, login_client, on_today, scan, write_outbox


def sign_in_links(app):
    with app.app_context():
        bodies = db.session.scalars(
            sa.select(OutboxMessage.body_text).where(OutboxMessage.kind == "exhibitor_portal_link")
        ).all()
    return [
        re.search(r"http://testserver\.local(/events/[^\s]+/portal/login/[^\s]+)", b).group(1)
        for b in bodies
    ]


def sign_in(app, client, contact="contact1@example.com"):
    page = client.get("/events/expo-2026/portal/login")
    response = client.post(
        "/events/expo-2026/portal/login",
        data={"csrf_token": csrf_token(page.text), "email": contact.upper()},
    )
    assert response.status_code == 200
    link = sign_in_links(app)[-1]
    confirm = client.get(link)  # a page to confirm: a mail scanner opening the link uses nothing up
    assert confirm.status_code == 200
    assert (
        client.post(link, data={"csrf_token": csrf_token(confirm.text)}).headers["Location"]
        == "/events/expo-2026/portal/"
    )
    return link


def test_sign_in_link_is_sent_to_the_contact_and_works_once(
    app, client, make_event, make_exhibitor
):
    make_event()
    make_exhibitor()
    link = sign_in(app, client)
    home = client.get("/events/expo-2026/portal/")
    assert home.status_code == 200
    assert "Công ty TNHH Thử nghiệm 1" in home.text
    other = app.test_client()
    again = other.get(link)
    assert again.headers["Location"] == "/events/expo-2026/portal/login"
    assert (
        other.get("/events/expo-2026/portal/").headers["Location"]
        == "/events/expo-2026/portal/login"
    )


def test_signing_out_of_the_portal_ends_a_copied_session_cookie_too(
    app, client, make_event, make_exhibitor
):
    make_event()
    make_exhibitor()
    sign_in(app, client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert thief.get("/events/expo-2026/portal/").status_code == 200  # the copy works meanwhile
    home = client.get("/events/expo-2026/portal/")
    form = re.search(
        r'<form method="post" action="(/events/expo-2026/portal/logout)"[^>]*>(.*?)</form>',
        home.text,
        re.S,
    )
    out = client.post(form.group(1), data={"csrf_token": csrf_token(form.group(2))})
    assert out.status_code == 302
    for browser in (client, thief):
        answer = browser.get("/events/expo-2026/portal/")
        assert answer.headers["Location"] == "/events/expo-2026/portal/login"
    with app.app_context():  # a new link (the e-mail is not sent twice within a minute)
        from exhibition.exhibitors.models import Exhibitor
        from exhibition.exhibitors.portal import sign_in_token

        token = sign_in_token(exhibitor=db.session.scalar(sa.select(Exhibitor)))
    link = f"/events/expo-2026/portal/login/{token}"
    client.post(link, data={"csrf_token": csrf_token(client.get(link).text)})
    assert client.get("/events/expo-2026/portal/").status_code == 200  # signed in again


def test_unknown_address_gets_the_same_answer_and_no_mail(app, client, make_event, make_exhibitor):
    make_event()
    make_exhibitor()
    page = client.get("/events/expo-2026/portal/login")
    response = client.post(
        "/events/expo-2026/portal/login",
        data={"csrf_token": csrf_token(page.text), "email": "nobody@example.com"},
    )
    assert response.status_code == 200
    assert "nobody@example.com" in response.text
    assert sign_in_links(app) == []


def test_tampered_link_is_refused(app, client, make_event, make_exhibitor):
    make_event()
    make_exhibitor()
    for token in ["x", "eyJlIjoxLCJuIjowfQ.AAAA.BBBB", "a" * 500]:
        response = client.get(f"/events/expo-2026/portal/login/{token}")
        assert response.headers["Location"] == "/events/expo-2026/portal/login"
    assert client.get("/events/expo-2026/portal/").status_code == 302


def add_staff(client, name, email):
    page = client.get("/events/expo-2026/portal/")
    data = {
        "csrf_token": csrf_token(page.text),
        "full_name": name,
        "email": email,
        "phone": "0987 654 321",
        "job_title": "Kỹ sư",
        "language": "vi",
        "informed": "y",
    }
    return client.post("/events/expo-2026/portal/staff", data=data)


def test_staff_badges_follow_the_booth_area_and_check_in(
    app, client, make_event, make_floor, make_exhibitor, make_device
):
    make_event(**on_today())
    make_floor(count=2)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")  # 9 m²: 3 badges
    device = make_device()
    sign_in(app, client)
    assert "0 of 3 badges used" in client.get("/events/expo-2026/portal/?lang=en").text
    for i in range(3):
        assert add_staff(client, f"Nhân viên {i}", f"staff{i}@example.com").status_code == 302
    refused = add_staff(client, "Nhân viên 3", "staff3@example.com")
    assert refused.status_code == 422
    with app.app_context():
        staff = db.session.scalars(
            sa.select(Registration)
            .where(Registration.exhibitor_id == exhibitor)
            .order_by(Registration.id)
        ).all()
        assert [(s.category.code, s.organisation, s.status) for s in staff] == [
            ("exhibitor", "Công ty TNHH Thử nghiệm 1", RegistrationStatus.CONFIRMED)
        ] * 3
        code, first_id = staff[0].badge_code, staff[0].id
    write_outbox(app)  # the confirmation is written by the mail worker
    with app.app_context():
        mail = db.session.scalar(
            sa.select(OutboxMessage.body_text).where(OutboxMessage.registration_id == first_id)
        )
    assert "A01" in mail
    answer = scan(client, device, code, "staff-1").json
    assert (answer["result"], answer["attendee"]["booth"], answer["attendee"]["category_code"]) == (
        "ok",
        "A01",
        "exhibitor",
    )
    page = client.get(f"/r/{_token(app, first_id)}")
    assert "A01" in page.text
    removed = client.post(
        f"/events/expo-2026/portal/staff/{first_id}/remove",
        data={"csrf_token": csrf_token(client.get("/events/expo-2026/portal/").text)},
    )
    assert removed.status_code == 302
    assert scan(client, device, code, "staff-2").json["result"] == "cancelled"
    assert add_staff(client, "Nhân viên 3", "staff3@example.com").status_code == 302


def _token(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).manage_token


def test_no_staff_badges_before_a_booth(app, client, make_event, make_exhibitor):
    make_event()
    make_exhibitor()
    sign_in(app, client)
    assert add_staff(client, "Nhân viên", "s@example.com").status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_staff_added_at_once_never_pass_the_quota(app, make_event, make_floor, make_exhibitor):
    make_event()
    make_floor(count=1)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")
    main = app.test_client()
    sign_in(app, main)
    token = csrf_token(main.get("/events/expo-2026/portal/").text)
    cookie = main.get_cookie("session").value  # after the page put its CSRF secret in the session
    start = threading.Barrier(8)
    codes = []

    def worker(i):
        client = app.test_client()
        client.set_cookie("session", cookie)
        start.wait()
        data = {
            "csrf_token": token,
            "full_name": f"Người {i}",
            "email": f"p{i}@example.com",
            "phone": "0987654321",
            "language": "vi",
            "informed": "y",
        }
        codes.append(client.post("/events/expo-2026/portal/staff", data=data).status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [302] * 3 + [422] * 5
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Registration)
                .where(Registration.exhibitor_id == exhibitor)
            )
            == 3
        )


def test_profile_edit_keeps_the_tax_code(app, client, make_event, make_exhibitor):
    make_event()
    exhibitor = make_exhibitor()
    sign_in(app, client)
    page = client.get("/events/expo-2026/portal/profile")
    assert 'value="Công ty TNHH Thử nghiệm 1"' in page.text
    data = {
        "csrf_token": csrf_token(page.text), "company_name_vi": "Công ty TNHH Thử nghiệm Mới", "company_name_en": "New Test Co.",
        "sectors": ["mechanical", "moulds"], "main_products": "Khuôn mẫu chính xác", "contact_name": "Trần Văn Nam",
        "contact_phone": "0912345678", "contact_language": "en", "website": "https://moi.example.com",
    }  # fmt: skip
    assert client.post("/events/expo-2026/portal/profile", data=data).status_code == 302
    with app.app_context():
        x = db.session.get(Exhibitor, exhibitor)
        assert (x.company_name_vi, x.contact_name, x.contact_language, [s.code for s in x.sectors]) == (
            "Công ty TNHH Thử nghiệm Mới", "Trần Văn Nam", "en", ["mechanical", "moulds"],
        )  # fmt: skip
        assert len(x.tax_code) == 10


def test_cancelling_an_exhibitor_stops_its_staff_badges(
    app, client, make_event, make_floor, make_exhibitor, make_device
):
    from exhibition.exhibitors.models import ExhibitorStatus
    from exhibition.exhibitors.services import change_status

    make_event()
    make_floor(count=1)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")
    device = make_device()
    sign_in(app, client)
    add_staff(client, "Nhân viên", "staff@example.com")
    with app.app_context():
        code = db.session.scalar(
            sa.select(Registration.badge_code).where(Registration.exhibitor_id == exhibitor)
        )
        change_status(
            exhibitor=db.session.get(Exhibitor, exhibitor),
            to=ExhibitorStatus.CANCELLED,
            reason="Rút lui",
        )
        db.session.commit()
    assert scan(client, device, code, "n").json["result"] == "cancelled"
    assert (
        client.get("/events/expo-2026/portal/").headers["Location"]
        == "/events/expo-2026/portal/login"
    )


def test_staff_badges_stop_when_the_company_loses_its_booth_status(
    app, client, make_event, make_floor, make_exhibitor, make_device
):
    make_event()
    make_floor(count=1)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")
    device = make_device()
    sign_in(app, client)
    add_staff(client, "Nhân viên", "staff@example.com")
    login_client(app, client)
    token = csrf_token(client.get("/admin/events/expo-2026/booths/A01").text)
    client.post("/admin/events/expo-2026/booths/A01/free", data={"csrf_token": token})
    with app.app_context():
        code = db.session.scalar(
            sa.select(Registration.badge_code).where(Registration.exhibitor_id == exhibitor)
        )
        assert db.session.get(Exhibitor, exhibitor).status.value == "approved"
    assert scan(client, device, code, "n").json["result"] == "cancelled"


def test_portal_links_and_repeat_applications_do_not_flood_the_contact(
    app, client, make_event, make_exhibitor
):
    make_event()
    make_exhibitor()
    for _ in range(3):
        page = client.get("/events/expo-2026/portal/login")
        client.post(
            "/events/expo-2026/portal/login",
            data={"csrf_token": csrf_token(page.text), "email": "contact1@example.com"},
        )
    assert len(sign_in_links(app)) == 1
    with app.app_context():
        from exhibition.booths.models import BoothType
        from exhibition.events.services import get_event
        from exhibition.exhibitors.services import ApplicationData, apply

        x = db.session.get(Exhibitor, 1) or db.session.scalar(sa.select(Exhibitor))
        for _ in range(3):
            apply(event=get_event(slug="expo-2026"), data=ApplicationData(
                company_name_vi="Lặp lại", tax_code=x.tax_code, province_code="HP", contact_name="A",
                contact_email="a@example.com", contact_phone="+84912345678", booth_type=BoothType.STANDARD))  # fmt: skip
        db.session.commit()
        kinds = db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.kind == "exhibitor_already_applied")
        ).all()
    assert kinds == ["exhibitor_already_applied"]


def test_profile_rename_reaches_staff_badges_and_a_new_logo_replaces_the_old_file(
    app, client, make_event, make_floor, make_exhibitor
):
    import io
    from pathlib import Path

    from PIL import Image

    make_event()
    make_floor(count=1)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")
    sign_in(app, client)
    add_staff(client, "Nhân viên", "staff@example.com")

    def save(name, color):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 20), color).save(buffer, format="JPEG")
        page = client.get("/events/expo-2026/portal/profile")
        data = {
            "csrf_token": csrf_token(page.text), "company_name_vi": name, "sectors": ["mechanical"],
            "main_products": "Khuôn", "contact_name": "A", "contact_phone": "0912345678", "contact_language": "vi",
            "logo": (io.BytesIO(buffer.getvalue()), "logo.jpg"),
        }  # fmt: skip
        assert (
            client.post(
                "/events/expo-2026/portal/profile", data=data, content_type="multipart/form-data"
            ).status_code
            == 302
        )
        with app.app_context():
            return db.session.get(Exhibitor, exhibitor).logo_filename

    first = save("Công ty Tên Cũ", "red")
    second = save("Công ty Tên Mới", "blue")
    folder = Path(app.instance_path) / "uploads" / "logos"
    assert not (folder / first).exists()
    assert (folder / second).exists()
    with app.app_context():
        staff = db.session.scalar(
            sa.select(Registration).where(Registration.exhibitor_id == exhibitor)
        )
        assert staff.organisation == "Công ty Tên Mới"
        assert "cong ty ten moi" in staff.search_text
