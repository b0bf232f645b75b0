"""Vietnamese that reads as native, and English to match: one style of dates and numbers on every
page and in every e-mail, e-mails in one formal register, countries in Vietnamese alphabetical
order, and a privacy notice instead of a wording version number."""

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from exhibition.booths.models import BoothType
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from tests.conftest import login_client, write_outbox
from tests.test_labels import visible_text

# 09:00 on Sunday 23 November 2031 in Hai Phong to 17:00 on Wednesday 26 November.
STARTS = datetime(2031, 11, 23, 2, 0, tzinfo=UTC)
ENDS = datetime(2031, 11, 26, 10, 0, tzinfo=UTC)
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
EXPECTED = {
    "vi": {
        "range": "23–26/11/2031",
        "opens": "09:00, 23/11/2031",
        "session": "09:00–10:30, 23/11/2031",
        "price": "15.000.000 ₫",
        "area": "9 m²",
        "raw": "Mặt bằng thô, 18 m²",
    },
    "en": {
        "range": "23–26 November 2031",
        "opens": "23 November 2031, 09:00",
        "session": "23 November 2031, 09:00–10:30",
        "price": "₫15,000,000",
        "area": "9 m²",
        "raw": "Raw space, 18 m²",
    },
}


def plain(text: str) -> str:
    """Text with non-breaking spaces as spaces (Babel keeps "₫" and "m²" with their number)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def assert_native(text: str, where: str) -> None:
    text = plain(text)
    assert "thg" not in text, where
    assert SECONDS.findall(text) == [], where
    assert re.findall(r"\d\.0 m²", text) == [], where


@pytest.fixture
def exhibition(app, make_event, make_floor, make_exhibitor, make_session, make_visitor):
    """The exhibition above with a booth plan, a raw-space exhibitor, a session with approval, a
    visitor and an invited delegate per language, and the e-mails they got."""
    make_event(
        starts_at=STARTS,
        ends_at=ENDS,
        registration_closes_at=ENDS,
        organiser_vi="Sở Công Thương Hải Phòng",
        organiser_en="Hai Phong Department of Industry and Trade",
        contact_email="xttm@haiphong.gov.vn",
        address="Số 2 Lê Thánh Tông, Hải Phòng",
        retention_days=90,
    )
    make_floor(count=2)
    make_exhibitor(booth_type=BoothType.RAW, raw_area_m2=18, booth_count=1)
    session_id = make_session(
        start_hours=0, hours=1.5, access="approval", title="Hội thảo khuôn mẫu"
    )
    delegates = make_session(start_hours=0, hours=1.5, access="invitation", room="Phòng 2")
    visitors = {
        language: make_visitor(email=f"{language}@example.com", language=language)
        for language in ("vi", "en")
    }
    from exhibition.programme import invitations, seats
    from exhibition.programme.models import ConferenceSession
    from exhibition.visitors.models import Registration

    with app.app_context():
        session = db.session.get(ConferenceSession, session_id)
        for visitor in visitors.values():
            registration = db.session.get(Registration, visitor["id"])
            seats.approve(booking=seats.book(session=session, registration=registration))
        rows = "Họ và tên,Email,Ngôn ngữ\nNguyễn Văn An,an@example.com,vi\nJohn Smith,john@example.com,en\n"
        invitations.import_delegates(
            session=db.session.get(ConferenceSession, delegates),
            data=rows.encode(),
            filename="delegates.csv",
        )
        db.session.commit()
    return visitors


def mails(app) -> list[OutboxMessage]:
    write_outbox(app)  # the confirmations are written by the mail worker
    with app.app_context():
        found = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return found


@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_write_dates_and_numbers_in_one_native_style(app, client, exhibition, language):
    expected = EXPECTED[language]
    login_client(app, client)
    pages = {
        "/": ["range"],
        "/events/expo-2026/": ["opens"],
        "/events/expo-2026/programme": [],
        f"/r/{_token(app, exhibition[language]['id'])}": ["session"],
        "/admin/": ["range"],
        "/admin/events/expo-2026/registrations": [],
        "/admin/events/expo-2026/dashboard": [],
        "/admin/events/expo-2026/booths/A01": ["price", "area"],
        "/admin/events/expo-2026/exhibitors/": ["raw"],
        "/admin/events/expo-2026/audit": [],
    }
    for url, forms in pages.items():
        response = client.get(url, query_string={"lang": language})
        assert response.status_code == 200, url
        text = plain(visible_text(response.text))
        assert_native(text, url)
        for form in forms:
            assert expected[form] in text, (url, expected[form])


def _token(app, registration_id):
    from exhibition.visitors.models import Registration

    with app.app_context():
        return db.session.get(Registration, registration_id).manage_token


def test_emails_write_dates_in_the_native_style_of_their_language(app, exhibition):
    sent = mails(app)
    kinds = {(m.kind, m.language) for m in sent}
    assert {("confirmation", "vi"), ("confirmation", "en"), ("session_approved", "vi")} <= kinds
    assert {("session_approved", "en"), ("invitation", "vi"), ("invitation", "en")} <= kinds
    for message in sent:
        expected = EXPECTED[message.language]
        for body in (message.body_text, message.body_html):
            assert_native(body, (message.kind, message.language))
        body = plain(message.body_text)
        if message.kind == "confirmation":
            assert expected["range"] in body, message.body_text
        if message.kind in ("session_approved", "invitation"):
            assert expected["session"] in body, message.body_text


def test_every_email_opens_and_closes_in_one_formal_register(app, exhibition, make_exhibitor):
    make_exhibitor(status="submitted", contact_name="Lê Văn Hải", contact_language="vi")
    sent = mails(app)
    assert {m.kind for m in sent} >= {"confirmation", "session_approved", "invitation"}
    assert "exhibitor_received" in {m.kind for m in sent}
    for message in sent:
        text = message.body_text
        if message.language == "vi":
            greeting = r"^Kính gửi (Ông/Bà [^\n,]+|Quý Ông/Bà),$"
            assert re.search(greeting, text, re.M), (message.kind, text)
            assert "\nTrân trọng cảm ơn.\n" in text, message.kind
            assert "Trân trọng cảm ơn." in message.body_html
            assert not re.search(r"\bbạn\b", text, re.I), (message.kind, text)
        else:
            assert re.search(r"^Dear [^\n,]+,$", text, re.M), (message.kind, text)
            assert "Hello" not in text and "\nThank you.\n" in text, message.kind


def test_confirmation_to_an_address_nobody_proved_greets_nobody_by_name(app, client, make_event):
    from tests.visitors.test_registration_flow import form_data

    make_event()
    page = client.get("/events/expo-2026/register?lang=vi")
    client.post(
        "/events/expo-2026/register",
        data=form_data(app, page.text, full_name="Trần Thị Mai", email="mai@example.com"),
    )
    (message,) = mails(app)
    assert message.body_text.startswith("Kính gửi Quý Ông/Bà,\n")
    assert "Kính gửi Ông/Bà Trần Thị Mai" not in message.body_text
    assert "Trân trọng cảm ơn." in message.body_text


def test_staff_badge_email_says_the_company_registered_them(
    app, client, make_event, make_floor, make_exhibitor
):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.portal import StaffData, add_staff
    from tests.booths.test_allocation_service import confirm_booth

    make_event()
    make_floor(count=1)
    company = make_exhibitor(
        company_name_vi="Công ty CP Khuôn mẫu Đông Á", company_name_en="Dong A Moulds JSC"
    )
    confirm_booth(app, company, "A01")
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, company)
        for language, email in (("vi", "nv@example.com"), ("en", "staff@example.com")):
            add_staff(
                exhibitor=exhibitor,
                data=StaffData(
                    full_name="Phạm Minh Tuấn", email=email, phone="", job_title="Kỹ sư",
                    language=language,
                ),
            )  # fmt: skip
        db.session.commit()
    staff = {m.language: m for m in mails(app) if m.kind == "confirmation"}
    assert "Công ty CP Khuôn mẫu Đông Á đã đăng ký cho Ông/Bà tham dự" in staff["vi"].body_text
    assert "cảm ơn ông/bà đã đăng ký" not in staff["vi"].body_text.lower()
    assert (
        "Dong A Moulds JSC has registered you for Supporting Industry Expo 2026 as a member of its"
        " staff" in plain(staff["en"].body_text).replace("\n", " ")
    )
    assert "Thank you for registering" not in staff["en"].body_text


# ---------------------------------------------------------------- countries in Vietnamese order


def test_vietnamese_sort_key_follows_the_vietnamese_alphabet():
    from exhibition.text import vietnamese_sort_key

    names = ["Đức", "Úc", "Ấn Độ", "Áo", "Ba Lan", "Anh", "Ả Rập Xê-út", "Dominica", "Ecuador"]
    names += ["Ai Cập", "Uganda", "Ukraina", "Ý", "Yemen", "Ô-man", "Oman", "Ơ", "Pháp"]
    assert sorted(names, key=vietnamese_sort_key) == [
        "Ả Rập Xê-út", "Ai Cập", "Anh", "Áo", "Ấn Độ", "Ba Lan", "Dominica", "Đức", "Ecuador",
        "Oman", "Ô-man", "Ơ", "Pháp", "Úc", "Uganda", "Ukraina", "Ý", "Yemen",
    ]  # fmt: skip


def test_vietnamese_sort_key_orders_tones_after_the_letters():
    from exhibition.text import vietnamese_sort_key

    # Letters first, the whole word; tones only break ties, in the dictionary's order.
    words = ["mã", "má", "ma", "mạ", "mà", "mả", "mai"]
    assert sorted(words, key=vietnamese_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ", "mai"]


def test_registration_form_lists_countries_in_vietnamese_order(app, client, make_event):
    make_event()
    names = countries(client.get("/events/expo-2026/register?lang=vi").text)
    chosen = [n for n in names if n in {"Áo", "Ấn Độ", "Úc", "Đức", "Đan Mạch", "Ba Lan"}]
    assert chosen == ["Áo", "Ấn Độ", "Ba Lan", "Đan Mạch", "Đức", "Úc"]
    position = {name: i for i, name in enumerate(names)}
    assert position["Azerbaijan"] < position["Ấn Độ"] < position["Ba Lan"]
    assert position["Dominica"] < position["Đan Mạch"] < position["Đức"] < position["Ecuador"]
    assert position["Tuvalu"] < position["Úc"] < position["Uganda"]
    english = countries(client.get("/events/expo-2026/register?lang=en").text)
    assert english.index("Åland Islands") < english.index("Albania")
    assert english.index("Zimbabwe") == len(english) - 1


def countries(html: str) -> list[str]:
    """The names the country list of the form offers, in its order."""
    select = re.search(r'<select[^>]*name="country".*?</select>', html, re.S)
    return re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select.group(0))


# ---------------------------------------------------------------- the privacy notice


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("vi", ["Sở Công Thương Hải Phòng", "xttm@haiphong.gov.vn", "90 ngày", "24/02/2032"]),
        ("en", ["Hai Phong Department of Industry and Trade", "90 days", "24 February 2032"]),
    ],
)
def test_privacy_notice_is_a_page_of_the_exhibition_linked_from_the_form(
    app, client, exhibition, language, words
):
    form = client.get(f"/events/expo-2026/register?lang={language}")
    assert "2026-01" not in visible_text(form.text)  # no wording version shown to the public
    link = re.search(r'<a href="(/events/expo-2026/privacy)"[^>]*>([^<]+)</a>', form.text)
    assert link is not None
    notice = client.get(link.group(1))
    assert notice.status_code == 200
    text = plain(visible_text(notice.text))
    for word in words:
        assert word in text, word
    manage = client.get(f"/r/{_token(app, exhibition[language]['id'])}?lang={language}")
    assert "/events/expo-2026/privacy" in manage.text
    assert "2026-01" not in visible_text(manage.text)


def test_privacy_notice_without_retention_says_until_erased(app, client, make_event):
    make_event()
    text = visible_text(client.get("/events/expo-2026/privacy?lang=en").text)
    assert "Until you or the organisers erase it." in text
    assert "Your registration page (the link in your confirmation e-mail)" in text


# The old placement of a tone on a closing "oa", "oe" or "uy" (hoá, khoẻ, huỷ); the style of
# current official documents puts it on the first vowel (hóa, khỏe, hủy). "qu" is a consonant:
# quý, quỹ keep their mark on the y.
_OLD_TONE_PLACEMENT = re.compile(
    r"(?<![qQ])(?:[oO][aAeE]|[uU][yY])[\u0300\u0301\u0303\u0309\u0323](?![\w\u0300-\u036f])"
)
ROOT = Path(__file__).resolve().parent.parent


def _old_tone_marks(text: str) -> list[str]:
    words = re.findall(r"[\w\u0300-\u036f]+", unicodedata.normalize("NFD", text))
    return sorted({unicodedata.normalize("NFC", w) for w in words if _OLD_TONE_PLACEMENT.search(w)})


def test_old_tone_placement_is_found_and_new_words_pass():
    assert _old_tone_marks("Huỷ đăng ký; hoá đơn; khoẻ; thuỷ sản") == ["Huỷ", "hoá", "khoẻ", "thuỷ"]
    assert _old_tone_marks("Hủy, hóa đơn, khỏe, quý, quỹ, hoàng, toán, khuỷu, hoặc") == []


def test_vietnamese_text_uses_one_tone_mark_convention_everywhere():
    """The catalogue, templates, code (demo data and labels included) and reference data."""
    paths = [ROOT / "exhibition/translations/vi/LC_MESSAGES/messages.po"]
    for folder, patterns in (
        ("templates", ("*.html", "*.txt", "*.svg")),
        ("exhibition", ("*.py", "*.csv")),
    ):
        for pattern in patterns:
            paths += sorted((ROOT / folder).rglob(pattern))
    found = {
        str(path.relative_to(ROOT)): words
        for path in paths
        if (words := _old_tone_marks(path.read_text(encoding="utf-8")))
    }
    assert found == {}
