"""Badge PDFs: Vietnamese names, long organisations, a QR that decodes, layouts, printing."""

import unicodedata

import pypdfium2 as pdfium
import sqlalchemy as sa
import zxingcpp

from exhibition.accounts.services import create_organiser
from exhibition.badges.pdf import BadgeData, render
from exhibition.extensions import db
from exhibition.visitors.models import Registration
from tests.conftest import login_client
from tests.pages import form_posting_to, forms_in

ORG = "Công ty TNHH Sản xuất Linh kiện Cơ khí Chính xác Hải Phòng 1"  # 60 characters


def pages(data: bytes):
    document = pdfium.PdfDocument(data)
    try:
        for page in document:
            text = page.get_textpage().get_text_range()
            image = page.render(scale=4).to_pil()
            yield text, image
    finally:
        document.close()


def entry_codes(image) -> list[str]:
    """The entry QR codes on a page (the lead QR codes, "L-…", are for booth scanners)."""
    return sorted(r.text for r in zxingcpp.read_barcodes(image) if not r.text.startswith("L-"))


def badge(**overrides) -> BadgeData:
    values = dict(
        name="Nguyễn Thị Hồng Nhung",
        job_title="Trưởng phòng Kinh doanh",
        organisation=ORG,
        category="Khách thương mại",
        color="#1f6feb",
        code="ABCDEFGHJKMNPQRSTVWXYZ2345",
        event_name="Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ",
        event_dates="23/11/2021 – 26/11/2021",
    )
    values.update(overrides)
    return BadgeData(**values)


def test_a6_badge_shows_the_vietnamese_name_the_long_organisation_and_a_qr_that_decodes():
    assert len(ORG) == 60
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    ((text, image),) = list(pages(render([badge(name=decomposed)], layout="a6")))
    flat = " ".join(text.split())
    assert "Nguyễn Thị Hồng" in flat and "Nhung" in flat  # NFC, every letter kept
    assert "Chính xác Hải Phòng" in flat or "Chính xác" in flat
    assert "KHÁCH THƯƠNG MẠI" in flat
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == ["ABCDEFGHJKMNPQRSTVWXYZ2345"]


def test_four_up_a4_and_card_layouts():
    codes = [f"ABCDEFGHJKMNPQRSTVWXYZ234{n}" for n in range(5)]
    rendered = list(pages(render([badge(code=c) for c in codes], layout="a4")))
    assert len(rendered) == 2
    first_page = sorted(r.text for r in zxingcpp.read_barcodes(rendered[0][1]))
    assert first_page == codes[:4]
    assert [r.text for r in zxingcpp.read_barcodes(rendered[1][1])] == codes[4:]
    document = pdfium.PdfDocument(render([badge()], layout="card"))
    width, height = document[0].get_size()
    document.close()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (90, 54)


def test_organisers_print_a_selection_once_and_one_badge_at_the_desk(
    app, client, make_event, make_visitor
):
    make_event()
    trade = [make_visitor() for _ in range(3)]
    press = make_visitor(category="press")
    login_client(app, client)
    with app.app_context():
        trade_category = db.session.get(Registration, trade[0]["id"]).category_id
    page = client.get("/admin/events/expo-2026/badges")
    assert page.status_code == 200 and 'data-count="4"' in page.text
    (count_form,) = [
        f for f in forms_in(page.text, "/admin/events/expo-2026/badges") if f.method == "GET"
    ]
    counted = client.get(
        count_form.action, query_string=count_form.data(layout="a4", category=str(trade_category))
    )
    assert 'data-count="3"' in counted.text
    print_form = form_posting_to(counted.text, "/badges", counted.request.full_path)
    printed = client.post(print_form.action, data=print_form.data())
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    images = [image for _text, image in pages(printed.data)]
    assert entry_codes(images[0]) == sorted(t["badge_code"] for t in trade)
    again = client.get("/admin/events/expo-2026/badges")
    assert 'data-count="1"' in again.text  # only the press badge is left
    desk = client.get(f"/admin/events/expo-2026/desk/{press['id']}")
    single_form = form_posting_to(desk.text, f"/registrations/{press['id']}/badge.pdf")
    single = client.post(single_form.action, data=single_form.data(layout="card"))
    assert single.status_code == 200
    ((_text, image),) = list(pages(single.data))
    assert entry_codes(image) == [press["badge_code"]]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(Registration.badge_printed_at.is_(None))
            )
            == 0
        )
    bad = client.get("/admin/events/expo-2026/badges?registered_from=soon")
    assert bad.status_code == 422


def test_print_button_gives_the_chosen_badges_as_a_pdf_in_chromium(
    app, make_event, make_visitor, browser, live_server
):
    make_event()
    trade = [make_visitor(full_name=f"Trần Văn Khách {n}") for n in range(2)]
    make_visitor(category="press", full_name="Phạm Thị Báo Chí")
    with app.app_context():
        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
        trade_category = str(db.session.get(Registration, trade[0]["id"]).category_id)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("input[name=email]", "btc@example.com")
    page.fill("input[name=password]", "mat-khau-dai")
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/admin/events/expo-2026/badges")
    page.select_option("select[name=category]", trade_category)
    page.select_option("select[name=layout]", "a4")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_selector('[data-count="2"]')
    answers = []

    def keep_the_answer(route):  # the new tab shows the PDF in a viewer: its bytes are kept here
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch()
        answers.append((answer.status, answer.headers.get("content-type"), answer.body()))
        route.fulfill(response=answer)

    context.route(lambda url: "/badges" in url, keep_the_answer)
    with context.expect_page() as opened:
        page.click("text=Print these badges (PDF)")
    opened.value.wait_for_load_state()
    ((status, kind, body),) = answers
    assert status == 200, body[:300]
    assert kind == "application/pdf"
    ((_text, image),) = list(pages(body))
    assert entry_codes(image) == sorted(t["badge_code"] for t in trade)
    page.reload()
    page.wait_for_selector('[data-count="0"]')  # printed, so no longer "not printed yet"
    context.close()


def test_a_person_downloads_their_own_badge_pdf(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    response = client.get(f"/r/{visitor['manage_token']}/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    ((text, image),) = list(pages(response.data))
    assert "Nguyễn Thị Hồng" in " ".join(text.split())
    assert entry_codes(image) == [visitor["badge_code"]]
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).badge_printed_at is None
    assert client.get("/r/unknown-token/badge.pdf").status_code == 404
