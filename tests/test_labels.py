"""No code reaches a reader: every enum value has a name in both languages (exhibition/labels.py),
and the audit log, the exhibitors list and the exports show names, never codes."""

import csv
import enum
import importlib
import io
import pkgutil
import re

import lxml.html
import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

import exhibition
from exhibition.labels import LABELS, label
from tests.conftest import login_client


def exhibition_enums() -> list[type[enum.Enum]]:
    """Every enum class defined in exhibition/, found by importing each of its modules."""
    for module in pkgutil.walk_packages(exhibition.__path__, "exhibition."):
        importlib.import_module(module.name)
    found, pending = [], list(enum.Enum.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("exhibition.") and len(cls):
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_the_walk_finds_the_enums_of_every_domain():
    names = {cls.__name__ for cls in exhibition_enums()}
    assert {"Role", "ExhibitorStatus", "BoothType", "RegistrationSource", "ScanResult"} <= names


@pytest.mark.parametrize("cls", exhibition_enums(), ids=lambda cls: cls.__name__)
def test_every_enum_member_has_a_label_in_both_languages(app, cls):
    with app.test_request_context():
        for member in cls:
            assert member in LABELS, f"{cls.__name__}.{member.name} has no label"
            with force_locale("en"):
                english = label(member)
            with force_locale("vi"):
                vietnamese = label(member)
            assert english and vietnamese, member
            assert english != member.value and "_" not in english, member
            assert vietnamese != english, f"{member}: {english!r} is not translated"


# ---------------------------------------------------------------- pages and exports


def form_with(html: str, button_text: str):
    """The form of a page holding the button whose text is `button_text`, and that button."""
    for form in lxml.html.fromstring(html).forms:
        for button in form.xpath(".//button"):
            if button.text_content().strip() == button_text:
                return form, button
    raise AssertionError(f"no form with a button {button_text!r}")


def press(client, page, button_text: str, **changes):
    """Submit a GET or POST form as `page` (a response) renders it (its own fields, hidden ones
    included), with `changes` typed or chosen, through the button named `button_text`."""
    form, button = form_with(page.text, button_text)
    values = dict(form.form_values())
    values.update(changes)
    if button.get("name"):
        values[button.get("name")] = button.get("value", "")
    action = button.get("formaction") or form.get("action") or page.request.path
    if (form.get("method") or "get").lower() == "post":
        return client.post(action, data=values)
    return client.get(action, query_string=values)


def visible_text(html: str) -> str:
    """What a reader sees of a page: the text of its body, without scripts and styles."""
    body = lxml.html.fromstring(html).body
    for element in body.xpath(".//script|.//style"):
        element.drop_tree()
    return re.sub(r"\s+", " ", body.text_content())


def table(response) -> list[list]:
    """The cells of a CSV or XLSX download, header first."""
    assert response.status_code == 200, response.status_code
    if response.mimetype == "text/csv":
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def code_words() -> set[str]:
    """Values that are codes: every enum value (the data below also uses the category code
    "trade", the province code "HP", "yes" and "no")."""
    words = {str(member.value) for cls in exhibition_enums() for member in cls}
    return words | {"trade", "HP", "yes", "no", "vi", "en"}


SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _world(app, client, make_event, make_visitor, make_exhibitor, language: str):
    """An exhibition with a visitor and an exhibitor approved, and every export downloaded,
    all through the organiser's pages in `language`."""
    make_event()
    make_visitor(category="trade", province_code="HP")
    exhibitor = make_exhibitor(status="submitted", booth_count=2)
    login_client(app, client)
    base = "/admin/events/expo-2026"
    page = client.get(f"{base}/exhibitors/{exhibitor}?lang={language}")
    approve = "Change status" if language == "en" else "Đổi trạng thái"
    answer = press(client, page, approve, status="approved", reason="Hồ sơ đầy đủ")
    assert answer.status_code == 302, answer.status_code
    downloads = {}
    for page_url, name in (
        (f"{base}/registrations", "registrations"),
        (f"{base}/exhibitors/", "exhibitors"),
    ):
        page = client.get(page_url)
        for kind, button in (("xlsx", "Excel (.xlsx)"), ("csv", "CSV (.csv)")):
            downloads[name, kind] = table(press(client, page, button))
    return base, downloads


@pytest.mark.parametrize("language", ["vi", "en"])
def test_audit_log_exhibitors_list_and_exports_show_no_codes(
    app, client, make_event, make_visitor, make_exhibitor, language
):
    base, downloads = _world(app, client, make_event, make_visitor, make_exhibitor, language)
    codes = code_words()
    for url in (f"{base}/audit", f"{base}/exhibitors/"):
        text = visible_text(client.get(url).text)
        assert SNAKE.findall(text) == [], url
        if language == "vi":  # no English code word in a Vietnamese page
            found = {
                word
                for word in codes
                if re.search(rf"(?<![\w@.-]){re.escape(word)}(?![\w@.-])", text)
            }
            assert found == set(), (url, found)
    listed = visible_text(client.get(f"{base}/exhibitors/").text)
    assert ("2 × Gian tiêu chuẩn" if language == "vi" else "2 × Standard booth") in listed
    logged = visible_text(client.get(f"{base}/audit").text)
    if language == "vi":
        assert "Công ty TNHH Thử nghiệm 1: Đã nộp → Đã duyệt" in logged
        assert "Tệp Excel, 1 dòng" in logged and "Tệp CSV, 1 dòng" in logged
    else:
        assert "Công ty TNHH Thử nghiệm 1: Submitted → Approved" in logged
        assert "Excel file, 1 row" in logged and "CSV file, 1 row" in logged
    for (name, kind), rows in downloads.items():
        assert [cell for cell in rows[0] if SNAKE.search(str(cell))] == [], (name, kind)
        cells = {str(cell) for row in rows[1:] for cell in row if cell is not None}
        assert cells & codes == set(), (name, kind, cells & codes)
