"""Booths from CSV: created or updated by code, all or nothing, and the export imports back."""

import io

import sqlalchemy as sa

from exhibition.booths.models import Booth, BoothStatus, BoothType, Hall
from exhibition.extensions import db
from tests.conftest import csrf_token, login_client
from tests.pages import form_posting_to

HEADER = "hall,code,x_m,y_m,width_m,depth_m,type,zone,sector,price_vnd,status\n"
GOOD = HEADER + (
    "A,A01,4,4,3,3,corner,Cơ khí,mechanical,18000000,available\n"
    "A,A02,7,4,3,3,standard,Cơ khí,mechanical,15000000,available\n"
    'B,B01,4,4,"9,5",6,raw,Mặt bằng thô,,85500000,reserved\n'
)


def upload(client, text, encoding="utf-8-sig"):
    page = client.get("/admin/events/expo-2026/booths/import")
    data = {
        "csrf_token": csrf_token(page.text),
        "file": (io.BytesIO(text.encode(encoding) if isinstance(text, str) else text), "plan.csv"),
    }
    return client.post(
        "/admin/events/expo-2026/booths/import", data=data, content_type="multipart/form-data"
    )


def booths(app):
    with app.app_context():
        return {
            b.code: (b.hall.code, b.x_m, b.width_m, b.type, b.status, b.price_vnd)
            for b in db.session.scalars(sa.select(Booth))
        }


def test_import_creates_halls_and_booths_then_updates_by_code(app, client, make_event):
    make_event()
    login_client(app, client)
    response = upload(client, GOOD)
    assert response.status_code == 302
    assert booths(app) == {
        "A01": ("A", 4.0, 3.0, BoothType.CORNER, BoothStatus.AVAILABLE, 18_000_000),
        "A02": ("A", 7.0, 3.0, BoothType.STANDARD, BoothStatus.AVAILABLE, 15_000_000),
        "B01": ("B", 4.0, 9.5, BoothType.RAW, BoothStatus.RESERVED, 85_500_000),
    }
    with app.app_context():
        hall = db.session.scalar(sa.select(Hall).where(Hall.code == "A"))
        assert (hall.width_m, hall.depth_m) == (14.0, 11.0)
    again = upload(client, HEADER + "A,a02,7,4,3,3,standard,Cơ khí,mechanical,16000000,blocked\n")
    assert again.status_code == 302
    assert booths(app)["A02"] == (
        "A",
        7.0,
        3.0,
        BoothType.STANDARD,
        BoothStatus.BLOCKED,
        16_000_000,
    )
    assert len(booths(app)) == 3


def test_import_with_a_bad_row_stores_nothing_and_names_the_rows(app, client, make_event):
    make_event()
    login_client(app, client)
    bad = (
        GOOD
        + "A,A03,abc,4,3,3,standard,,,0,available\nA,A01,1,1,3,3,standard,,,0,available\nA,A04,1,1,3,3,palace,,,0,available\nA,A05,1,1,3,3,standard,,plutonium,0,available\n"
    )
    response = upload(client, bad)
    assert response.status_code == 422
    assert (
        "Row 5" in response.text
        and "Row 6" in response.text
        and "Row 7" in response.text
        and "Row 8" in response.text
    )
    assert booths(app) == {}


def test_import_refuses_wrong_files_clearly(app, client, make_event):
    make_event()
    login_client(app, client)
    assert "lacks the columns" in upload(client, "code,x\nA01,1\n").text
    assert "not UTF-8" in upload(client, "hall,code\nA,Nhà\n", encoding="utf-16").text
    assert upload(client, b"\x89PNG\r\n\x1a\n\x00\x00").status_code == 422
    assert booths(app) == {}


def test_exported_booths_import_back_unchanged(app, client, make_event, make_floor):
    make_event()
    make_floor(count=3)
    login_client(app, client)
    before = booths(app)
    exported = client.get("/admin/events/expo-2026/booths.csv").data
    response = upload(client, exported)
    assert response.status_code == 302
    assert booths(app) == before


def test_booth_settings_are_edited_and_an_assigned_booth_cannot_be_blocked(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=2)
    exhibitor = make_exhibitor()
    login_client(app, client)
    settings = booth_form(client, "A01")
    saved = client.post(
        settings.action, data=settings.data(status="reserved", zone="VIP", price_vnd="20000000")
    )
    assert saved.status_code == 302
    assert booths(app)["A01"][4:] == (BoothStatus.RESERVED, 20_000_000)
    assign = booth_form(client, "A02", "/assign")
    client.post(assign.action, data=assign.data(exhibitor_id=str(exhibitor)))
    settings = booth_form(client, "A02")
    refused = client.post(settings.action, data=settings.data(status="blocked", price_vnd="1"))
    assert refused.status_code == 422
    assert "Free the booth before blocking it" in refused.text
    assert booths(app)["A02"][4:] == (BoothStatus.AVAILABLE, 15_000_000)


def test_import_refuses_absurd_numbers_and_huge_fields(app, client, make_event):
    make_event()
    login_client(app, client)
    for row in [
        "A,A01,4,4,3,3,standard,,,inf,available\n",
        "A,A01,4,4,3,3,standard,,,1e400,available\n",
        "A,A01,nan,4,3,3,standard,,,0,available\n",
    ]:
        response = upload(client, HEADER + row)
        assert response.status_code == 422, row
        assert "Row 2" in response.text
    huge = upload(client, HEADER + "A,A01,4,4,3,3,standard," + "x" * 200000 + ",,0,available\n")
    assert huge.status_code == 422
    assert booths(app) == {}


def test_import_does_not_block_or_reshape_an_assigned_booth(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=1)
    exhibitor = make_exhibitor()
    login_client(app, client)
    assign = booth_form(client, "A01", "/assign")
    client.post(assign.action, data=assign.data(exhibitor_id=str(exhibitor)))
    for row in [
        "A,A01,4,4,3,3,standard,,,0,blocked\n",
        "A,A01,4,4,6,3,standard,,,0,available\n",
        "A,A01,4,4,3,3,raw,,,0,available\n",
        "B,A01,4,4,3,3,standard,,,0,available\n",
    ]:
        response = upload(client, HEADER + row)
        assert response.status_code == 422, row
        assert "is assigned" in response.text
    assert (
        upload(client, HEADER + "A,A01,10,4,3,3,standard,Mới,,1,available\n").status_code == 302
    )  # moving it in its hall is fine


def booth_form(client, code, action=""):
    """A form of the booth's page as rendered: its settings, or the one posting to `action`."""
    url = f"/admin/events/expo-2026/booths/{code}"
    return form_posting_to(client.get(url).text, f"/booths/{code}{action}", url)


def place(app, code):
    with app.app_context():
        b = db.session.scalar(sa.select(Booth).where(Booth.code == code))
        return None if b is None else (b.x_m, b.y_m, b.width_m, b.depth_m, b.type, b.hall.width_m)


def test_booth_place_size_and_type_are_edited_on_its_page_without_overlaps(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=3)  # A01 at x 4, A02 at 7, A03 at 10; hall 17 m wide
    exhibitor = make_exhibitor()
    login_client(app, client)
    settings = booth_form(client, "A03")
    assert settings.control("width_m").value == "3.0"
    moved = client.post(
        settings.action,
        data=settings.data(type="raw", x_m="13", y_m="4", width_m="6", depth_m="3"),
    )
    assert moved.status_code == 302
    assert place(app, "A03") == (13.0, 4.0, 6.0, 3.0, BoothType.RAW, 19.0)
    settings = booth_form(client, "A02")
    overlap = client.post(settings.action, data=settings.data(x_m="5"))
    assert overlap.status_code == 422 and "overlaps booth A01" in overlap.text
    for bad in ("nan", "-1", "inf", "abc", "5000"):
        refused = client.post(settings.action, data=settings.data(x_m=bad))
        assert refused.status_code == 422, bad
    assert place(app, "A02")[:4] == (7.0, 4.0, 3.0, 3.0)
    assign = booth_form(client, "A02", "/assign")
    client.post(assign.action, data=assign.data(exhibitor_id=str(exhibitor)))
    settings = booth_form(client, "A02")
    resized = client.post(settings.action, data=settings.data(width_m="4"))
    assert resized.status_code == 422 and "Free the booth before changing" in resized.text


def test_a_free_booth_can_be_deleted_an_assigned_one_cannot(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=2)
    exhibitor = make_exhibitor()
    login_client(app, client)
    assign = booth_form(client, "A01", "/assign")
    client.post(assign.action, data=assign.data(exhibitor_id=str(exhibitor)))
    page = client.get("/admin/events/expo-2026/booths/A01")
    assert "/A01/delete" not in page.text  # not offered: a script asking anyway is refused
    token = csrf_token(page.text)
    refused = client.post(
        "/admin/events/expo-2026/booths/A01/delete",
        json={},
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 409 and refused.json["error"]["code"] == "booth_assigned"
    delete = booth_form(client, "A02", "/delete")
    deleted = client.post(delete.action, data=delete.data())
    assert deleted.status_code == 302
    assert place(app, "A02") is None and place(app, "A01") is not None
    assert client.get("/admin/events/expo-2026/booths/A02").status_code == 404
