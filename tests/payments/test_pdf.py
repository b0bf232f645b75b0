"""The payment request as a PDF: the Vietnamese text, the amount in words, the QR of what is owed
(decoded from the rendered page), long names that wrap, the e-mail that carries it, and the
downloads for staff and for the exhibitor's own portal."""

import re

import pypdfium2 as pdfium
import sqlalchemy as sa
import zxingcpp

from exhibition.extensions import db
from exhibition.mail.models import MessageKind, OutboxMessage
from exhibition.payments import pdf
from exhibition.payments.models import PaymentRequest, RequestState
from exhibition.payments.services import settings_of
from exhibition.payments.transfer import transfer_of
from tests.conftest import login_client
from tests.exhibitors.test_portal import sign_in
from tests.payments.conftest import credit
from tests.payments.test_vietqr import crc_is_right, decode

LONG_NAME = (
    "Công ty Trách nhiệm Hữu hạn Sản xuất Thương mại và Dịch vụ Linh kiện Cơ khí Chính xác "
    "Công nghiệp Hỗ trợ Hải Phòng Việt Nam Chi nhánh Khu công nghiệp Đình Vũ Cát Hải"
)
ADDRESS = dict(street="Số 12 Lê Hồng Phong", commune="Phường Ngô Quyền")


def read(data: bytes) -> list[tuple[str, object, list[tuple[float, float, float, float]], float]]:
    """Each page's text, its image (4x), the boxes of its characters, and its width (points)."""
    document = pdfium.PdfDocument(data)
    try:
        found = []
        for page in document:
            textpage = page.get_textpage()
            boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
            found.append(
                (textpage.get_text_range(), page.render(scale=4).to_pil(), boxes, page.get_width())
            )
        return found
    finally:
        document.close()


def flat(text: str) -> str:
    return " ".join(text.split())


def rendered(app, request_id, language):
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        transfer = transfer_of(request, settings_of(request.exhibitor.event))
        return pdf.render(request, language=language), request.reference, transfer.payload


def qr_texts(pages) -> list[str]:
    return [
        result.text
        for _text, image, _boxes, _w in pages
        for result in zxingcpp.read_barcodes(image)
    ]


def test_vietnamese_pdf_has_the_title_the_buyer_the_lines_and_the_total_in_words(app, make_request):
    request_id = make_request(booths=("A01", "A02"), **ADDRESS)
    data, reference, payload = rendered(app, request_id, "vi")
    assert data.startswith(b"%PDF")
    pages = read(data)
    assert len(pages) == 1
    text = flat(pages[0][0])
    assert "GIẤY ĐỀ NGHỊ THANH TOÁN" in text
    assert "Sở Công Thương Hải Phòng" in text and "0200123456" in text  # the organiser
    assert "Công ty TNHH Thử nghiệm 1" in text
    assert "Số 12 Lê Hồng Phong, Phường Ngô Quyền, Hải Phòng" in text
    assert reference in text
    assert "Gian hàng A01" in text and "Gian hàng A02" in text
    assert "30.000.000" in text and "2.400.000" in text and "32.400.000" in text
    assert "Ba mươi hai triệu bốn trăm nghìn đồng" in text
    assert "0031000123456" in text and "SO CONG THUONG HAI PHONG" in text
    assert qr_texts(pages) == [payload]
    fields = decode(payload)
    assert fields["54"] == "32400000" and crc_is_right(payload)


def test_after_a_part_payment_the_qr_and_the_words_are_of_what_is_still_owed(
    app, payments_event, make_request
):
    request_id = make_request(booths=("A01", "A02"))
    with app.app_context():
        reference = db.session.get(PaymentRequest, request_id).reference
    assert (
        credit(app, payments_event, 10_000_000, f"CT TNHH TN1 {reference} tra truoc")[0]
        == "partial"
    )
    data, _reference, payload = rendered(app, request_id, "vi")
    pages = read(data)
    text = flat(pages[0][0])
    assert "Đã thanh toán" in text and "10.000.000" in text
    assert "Còn phải thanh toán" in text and "22.400.000" in text
    assert "Ba mươi hai triệu bốn trăm nghìn đồng" in text  # the total
    assert "Hai mươi hai triệu bốn trăm nghìn đồng" in text  # what is still owed
    assert qr_texts(pages) == [payload]
    assert decode(payload)["54"] == "22400000"
    assert decode(decode(payload)["62"])["08"] == reference


def test_english_pdf_gives_the_english_name_and_the_words_in_vietnamese_labelled(app, make_request):
    request_id = make_request(
        company_name_en="Hai Phong Precision Parts Co., Ltd.", contact_language="en", **ADDRESS
    )
    data, reference, payload = rendered(app, request_id, None)  # the contact's language
    pages = read(data)
    text = flat(pages[0][0])
    assert "PAYMENT REQUEST" in text and "GIẤY ĐỀ NGHỊ" not in text
    assert "Hai Phong Precision Parts Co., Ltd." in text
    assert "Công ty TNHH Thử nghiệm 1" in text  # the legal name stays
    assert "Hai Phong Department of Industry and Trade" in text
    assert "16,200,000" in text
    assert "Total in Vietnamese words Mười sáu triệu hai trăm nghìn đồng" in text
    assert reference in text
    assert qr_texts(pages) == [payload]


def test_long_names_and_descriptions_wrap_inside_the_page(app, make_request):
    from exhibition.payments.services import add_line

    request_id = make_request(
        company_name_vi=LONG_NAME, street="Lô CN5.2A " * 12, **{"commune": "Xã Cát Hải"}
    )
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        add_line(
            request=request,
            description_vi="Dịch vụ " + "điện ba pha, nước, internet và vệ sinh gian hàng " * 4,
            unit_price_vnd=2_500_000,
            vat_rate=8,
        )
        db.session.commit()
    data, _reference, payload = rendered(app, request_id, "vi")
    pages = read(data)
    text = flat(" ".join(page[0] for page in pages))
    assert LONG_NAME in text.replace("\ufffe", "").replace("- ", "")
    margin = 15 / 25.4 * 72
    for _text, _image, boxes, width in pages:
        assert boxes
        assert min(box[0] for box in boxes) >= margin - 1
        assert max(box[2] for box in boxes) <= width - margin + 1
    assert qr_texts(pages) == [payload]


def test_a_paid_request_says_so_and_carries_no_qr(app, payments_event, make_request):
    request_id = make_request()
    with app.app_context():
        reference = db.session.get(PaymentRequest, request_id).reference
    assert credit(app, payments_event, 16_200_000, reference)[0] == "paid"
    pages = read(rendered(app, request_id, "vi")[0])
    assert "Đã thanh toán đủ" in flat(pages[0][0])
    assert qr_texts(pages) == []


def test_the_new_request_email_carries_the_pdf_and_the_inline_qr(app, make_request):
    vi_id = make_request()
    en_id = make_request(booths=("A02",), contact_language="en")
    with app.app_context():
        for request_id, stem, title in (
            (vi_id, "de-nghi-thanh-toan", "GIẤY ĐỀ NGHỊ THANH TOÁN"),
            (en_id, "payment-request", "PAYMENT REQUEST"),
        ):
            request = db.session.get(PaymentRequest, request_id)
            message = db.session.scalar(
                sa.select(OutboxMessage).where(
                    OutboxMessage.to_address == request.exhibitor.contact_email,
                    OutboxMessage.kind == MessageKind.PAYMENT_REQUEST,
                )
            )
            parts = {item.filename: item for item in message.attachments}
            assert set(parts) == {"vietqr.png", f"{stem}-{request.reference}.pdf"}
            assert parts["vietqr.png"].content_id == "vietqr"
            attached = parts[f"{stem}-{request.reference}.pdf"]
            assert attached.content_type == "application/pdf" and attached.content_id is None
            pages = read(attached.data)
            assert title in flat(pages[0][0]) and request.reference in flat(pages[0][0])
            payload = transfer_of(request, settings_of(request.exhibitor.event)).payload
            assert qr_texts(pages) == [payload]


def test_staff_download_the_pdf_and_other_exhibitions_requests_are_not_found(
    app, client, make_request
):
    from exhibition.accounts.models import Role
    from exhibition.accounts.services import create_organiser, grant_role
    from exhibition.events.services import get_event

    request_id = make_request()
    login_client(app, client)
    url = f"/admin/events/expo-2026/payments/requests/{request_id}/pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with app.app_context():
        reference = db.session.get(PaymentRequest, request_id).reference
        user = create_organiser(
            email="ketoan@example.com", password="mat-khau-dai", administrator=False
        )
        grant_role(user=user, event=get_event(slug="expo-2026"), role=Role.FINANCE)
        db.session.commit()
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="de-nghi-thanh-toan-{reference}.pdf"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    assert "GIẤY ĐỀ NGHỊ THANH TOÁN" in flat(read(response.data)[0][0])
    english = client.get(url, query_string={"language": "en"})
    assert "PAYMENT REQUEST" in flat(read(english.data)[0][0])
    assert english.headers["Content-Disposition"].endswith(f'payment-request-{reference}.pdf"')
    assert (
        client.get(f"/admin/events/expo-2026/payments/requests/{request_id + 999}/pdf").status_code
        == 404
    )
    finance = app.test_client()
    login_client(app, finance, email="ketoan@example.com")
    assert finance.get(url).status_code == 200
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_the_portal_gives_a_company_its_own_requests_only(app, client, make_request):
    own = make_request()  # contact1@example.com
    other = make_request(booths=("A02",))  # contact2@example.com
    anonymous = app.test_client().get(f"/events/expo-2026/portal/payments/{own}.pdf")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/events/expo-2026/portal/login"
    sign_in(app, client)
    response = client.get(f"/events/expo-2026/portal/payments/{own}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with app.app_context():
        request = db.session.get(PaymentRequest, own)
        assert request.state is RequestState.OPEN
        reference = request.reference
    text = flat(read(response.data)[0][0])
    assert reference in text and "Công ty TNHH Thử nghiệm 1" in text
    assert re.search(
        r"filename=\"de-nghi-thanh-toan-\w+\.pdf\"", response.headers["Content-Disposition"]
    )
    assert client.get(f"/events/expo-2026/portal/payments/{other}.pdf").status_code == 404
    assert client.get(f"/events/expo-2026/portal/payments/{other + 999}.pdf").status_code == 404
