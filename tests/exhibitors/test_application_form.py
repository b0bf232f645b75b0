"""The application form as companies use it: the halls, zones and free booths to wish for, wishes
typed as people type them, a tax code's check digit, and the phone shown back as typed."""

import re

import sqlalchemy as sa
from stdnum.vn import mst

from exhibition.booths.models import Booth, BoothStatus
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from tests.booths.test_allocation_service import confirm_booth
from tests.conftest import csrf_token
from tests.exhibitors.test_application import application
from tests.exhibitors.test_portal import sign_in


def set_status(app, code, status):
    with app.app_context():
        booth = db.session.scalar(sa.select(Booth).where(Booth.code == code))
        booth.status = status
        db.session.commit()


def fill_application(page, **values):
    """Fill the required fields as a company would, then the given ones."""
    fields = {
        "#company_name_vi": "Công ty TNHH Cơ khí Chính xác Hải An",
        "#tax_code": "0100233488",
        "#main_products": "Khuôn mẫu, chi tiết máy CNC",
        "#contact_name": "Lê Văn Hải",
        "#contact_email": "hai@haian.example.com",
        "#contact_phone": "0912 345 678",
    }
    fields.update(values)
    for selector, value in fields.items():
        page.fill(selector, value)
    page.select_option("#province", "HP")
    page.check("input[name=sectors][value=mechanical]")
    page.check("input[name=booth_type][value=standard]")


def submit(page):
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def test_apply_form_lists_halls_zones_and_free_booths_and_links_the_plan(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=4, zone="Cơ khí")
    confirm_booth(app, make_exhibitor(), "A01")
    set_status(app, "A03", BoothStatus.RESERVED)
    page = client.get("/events/expo-2026/exhibit?lang=en")
    assert page.status_code == 200
    text = page.text
    assert 'href="/events/expo-2026/plan/"' in text
    assert "Hall A" in text and "type A" in text
    assert "Zones: Cơ khí" in text
    assert "2 free booths" in text
    datalist = re.search(r'<datalist id="booth-wishes">(.*?)</datalist>', text, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', datalist) == ["A", "Cơ khí", "A02", "A04"]
    assert "capitals and accents do not matter" in text


def test_apply_form_without_a_plan_says_the_organisers_propose_a_booth(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/exhibit?lang=en")
    assert "The floor plan is not ready yet" in page.text
    assert 'id="preference_1"' not in page.text


def test_apply_tax_code_hint_gives_valid_examples(app, client, make_event):
    make_event()
    hint = re.search(
        r'<p class="hint" id="tax_code-hint">(.*?)</p>',
        client.get("/events/expo-2026/exhibit?lang=en").text,
    ).group(1)
    examples = re.findall(r"\d{10}(?:-\d{3})?", hint)
    assert len(examples) == 2
    assert all(mst.is_valid(example) for example in examples)
    assert "0200123456" not in hint


def test_apply_in_chromium_takes_a_hall_a_zone_and_booth_codes_as_people_type_them(
    app, make_event, make_floor, browser, live_server
):
    make_event()
    make_floor(count=4, zone="Cơ khí")
    page = browser.new_page()
    page.goto(f"{live_server}/events/expo-2026/exhibit?lang=en")
    fill_application(
        page,
        **{
            "#preference_1": "a",  # the hall, in lower case
            "#preference_2": "nhà a",  # the hall by its name
            "#preference_3": "co khi",  # the zone without accents
            "#preference_4": "a2",  # booth A02
            "#preference_5": " A 04 ",
            "#main_products_en": "Moulds, CNC machine parts",
        },
    )
    submit(page)
    assert page.url == f"{live_server}/events/expo-2026/exhibit/sent"
    with app.app_context():
        exhibitor = db.session.scalar(sa.select(Exhibitor))
        assert [p.wish for p in exhibitor.preferences] == ["Nhà A", "Nhà A", "Cơ khí", "A02", "A04"]
        assert [p.hall.code if p.hall else None for p in exhibitor.preferences] == [
            "A", "A", None, None, None,
        ]  # fmt: skip
        assert exhibitor.main_products_en == "Moulds, CNC machine parts"


def test_apply_in_chromium_says_what_a_wish_may_be_when_it_names_nothing(
    app, make_event, make_floor, browser, live_server
):
    make_event()
    make_floor(count=2)
    page = browser.new_page()
    page.goto(f"{live_server}/events/expo-2026/exhibit?lang=en")
    fill_application(page, **{"#preference_1": "Z99"})
    submit(page)
    assert page.inner_text("#preference_1-error") == (
        "Not a hall, zone or booth code of this exhibition: see the list above."
    )


def test_apply_in_chromium_names_a_wrong_check_digit_and_keeps_the_phone_as_typed(
    app, make_event, browser, live_server
):
    make_event()
    page = browser.new_page()
    page.goto(f"{live_server}/events/expo-2026/exhibit?lang=en")
    fill_application(page, **{"#tax_code": "0200123456", "#contact_phone": "0225 3822 456"})
    submit(page)
    assert page.inner_text("#tax_code-error") == (
        "The digits of this tax code do not add up (its check digit is wrong): compare it with"
        " the business registration certificate."
    )
    assert page.input_value("#contact_phone") == "0225 3822 456"
    page.fill("#tax_code", "02001234")  # a wrong length is a wrong format
    submit(page)
    assert page.inner_text("#tax_code-error") == (
        "Enter a valid Vietnamese tax code: 10 digits, or 10 digits, a dash and 3 for a branch."
    )
    page.goto(f"{live_server}/events/expo-2026/exhibit?lang=vi")
    fill_application(page, **{"#tax_code": "0200123456"})
    submit(page)
    assert "số kiểm tra" in page.inner_text("#tax_code-error")


def test_apply_keeps_a_refused_phone_as_typed(app, client, make_event):
    make_event()
    response = application(client, contact_phone="0225 38", company_name_vi="")
    assert response.status_code == 422
    assert 'value="0225 38"' in response.text


def test_portal_profile_shows_the_phone_as_people_write_it(app, client, make_event, make_exhibitor):
    make_event()
    make_exhibitor(contact_phone="+842253822456")
    sign_in(app, client)
    page = client.get("/events/expo-2026/portal/profile?lang=en")
    assert 'value="0225 3822 456"' in page.text
    assert "+842253822456" not in page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "company_name_vi": "Công ty TNHH Thử nghiệm 1",
        "sectors": ["mechanical"],
        "main_products": "Khuôn mẫu",
        "main_products_en": "Moulds",
        "contact_name": "Lê Văn Hải",
        "contact_phone": "0225 3822 456",
        "contact_language": "vi",
    }
    assert client.post("/events/expo-2026/portal/profile", data=data).status_code == 302
    with app.app_context():
        exhibitor = db.session.scalar(sa.select(Exhibitor))
        assert (exhibitor.contact_phone, exhibitor.main_products_en) == ("+842253822456", "Moulds")
