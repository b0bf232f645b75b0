"""The public exhibitor directory with "find on map", and the organisers' CSV and Excel exports."""

import csv
import io

from openpyxl import load_workbook

from tests.booths.test_allocation_service import confirm_booth
from tests.conftest import login_client


def test_directory_lists_exhibitors_with_booths_searchable_without_diacritics(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=3)
    shown = make_exhibitor(
        company_name_vi="Công ty CP Khuôn mẫu Đông Á", main_products="Khuôn ép nhựa"
    )
    confirm_booth(app, shown, "A02")
    make_exhibitor(company_name_vi="Công ty Chưa Có Gian")  # approved, no booth: not listed
    page = client.get("/events/expo-2026/exhibitors?q=khuon+ep")
    assert page.status_code == 200
    assert "Công ty CP Khuôn mẫu Đông Á" in page.text
    assert "Chưa Có Gian" not in client.get("/events/expo-2026/exhibitors").text
    assert "Đông Á" not in client.get("/events/expo-2026/exhibitors?q=robot").text
    assert "Đông Á" in client.get("/events/expo-2026/exhibitors?sector=mechanical").text
    profile = client.get(f"/events/expo-2026/exhibitors/{shown}")
    assert (
        'class="booth booth-assigned booth-standard booth-highlight" id="booth-A02"' in profile.text
    )
    assert "/admin/" not in profile.text  # the public plan does not link to organiser pages


def test_directory_hides_exhibitors_without_a_booth(app, client, make_event, make_exhibitor):
    make_event()
    hidden = make_exhibitor()
    assert client.get(f"/events/expo-2026/exhibitors/{hidden}").status_code == 404


# The exhibitors export's columns, in English (the language of the signed-in page).
COLUMNS = [
    "Application no.", "Status", "Company name (Vietnamese)", "Company name (English)", "Tax code",
    "Province or city", "Commune or ward", "Street address", "Website", "Sectors", "Main products",
    "Main products (English)", "Certifications", "Contact person", "Contact e-mail", "Contact phone", "Language for e-mails",
    "Booth type", "Number of booths", "Raw space area (m²)", "Booth wishes", "Booths", "Applied at",
    "Approved at",
]  # fmt: skip


def test_exhibitor_exports_neutralise_formulas_in_csv_and_keep_them_as_text_in_xlsx(
    app, client, make_event, make_exhibitor
):
    make_event()
    make_exhibitor(
        company_name_vi='=HYPERLINK("http://evil.example")', main_products="+cmd|' /C calc'!A0"
    )
    login_client(app, client)
    response = client.get("/admin/events/expo-2026/exhibitors/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    name = COLUMNS.index("Company name (Vietnamese)")
    assert rows[1][name] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][COLUMNS.index("Main products")].startswith("'+cmd")
    assert rows[1][COLUMNS.index("Status")] == "Approved"
    assert rows[1][COLUMNS.index("Booth type")] == "Standard booth"
    assert rows[1][COLUMNS.index("Province or city")] == "Hai Phong"
    workbook = load_workbook(
        io.BytesIO(client.get("/admin/events/expo-2026/exhibitors/export.xlsx").data)
    )
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == COLUMNS
    cells = sheet[2]
    assert "f" not in [cell.data_type for cell in cells]  # no cell is a formula
    assert (cells[name].data_type, cells[name].value) == ("s", '=HYPERLINK("http://evil.example")')
    count = cells[COLUMNS.index("Number of booths")]
    assert (count.data_type, count.value) == ("n", 1)
    applied = cells[COLUMNS.index("Applied at")]
    assert applied.is_date and applied.number_format == "d mmm yyyy hh:mm"


def test_registration_export_as_xlsx(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="@SUM(A1:A9)")
    login_client(app, client)
    response = client.get("/admin/events/expo-2026/registrations.xlsx")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]][:5] == [
        "Registration no.", "Registered at", "Status", "Category", "Full name",
    ]  # fmt: skip
    assert sheet.cell(row=2, column=5).value == "@SUM(A1:A9)"


def test_control_characters_are_refused_in_text_areas_and_never_break_the_xlsx(
    app, client, make_event, make_exhibitor
):
    from zoneinfo import ZoneInfo

    from exhibition.exports import as_xlsx

    make_event()
    page = client.get("/events/expo-2026/exhibit")
    response = client.post(
        "/events/expo-2026/exhibit",
        data={
            "csrf_token": __import__("tests.conftest").conftest.csrf_token(page.text),
            "main_products": "bulông\x0bốc vít",
        },
    )
    assert 'id="main_products-error"' in response.text
    data = as_xlsx(["a"], [["x\x0by"]], title="t", tz=ZoneInfo("UTC"), language="vi")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.active["A2"].value == "xy"


def test_directory_search_never_matches_contacts_or_tax_codes(
    app, client, make_event, make_floor, make_exhibitor
):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.extensions import db

    make_event()
    make_floor(count=1)
    shown = make_exhibitor(company_name_vi="Công ty CP Khuôn mẫu Đông Á")
    confirm_booth(app, shown, "A01")
    with app.app_context():
        x = db.session.get(Exhibitor, shown)
        email, tax_code = x.contact_email, x.tax_code
    assert "Đông Á" in client.get("/events/expo-2026/exhibitors?q=dong+a").text
    for query in [email, tax_code, "Lê Văn Hải"]:
        assert (
            "Đông Á"
            not in client.get("/events/expo-2026/exhibitors", query_string={"q": query}).text
        ), query


def test_directory_and_profile_queries_do_not_grow_with_the_exhibitors(
    app, client, make_event, make_floor, make_exhibitor
):
    """Each card's booths and sectors are loaded for the whole page (bench/public_pages.py found a
    query per card: 33 statements for 10 exhibitors); the profile's plan loads only its hall."""
    from tests.visitors.test_statement_count import statements

    make_event()
    make_floor(count=8)

    def counted(path):
        with statements(app) as seen:
            response = client.get(path)
        assert response.status_code == 200
        return len(seen), response.text

    first = make_exhibitor(company_name_vi="Công ty Một")
    confirm_booth(app, first, "A01")
    client.get("/events/expo-2026/exhibitors")  # the first request loads the sectors once
    one, _text = counted("/events/expo-2026/exhibitors")
    profile_one, _text = counted(f"/events/expo-2026/exhibitors/{first}")
    for number in range(2, 8):
        other = make_exhibitor(company_name_vi=f"Công ty Số {number}")
        confirm_booth(app, other, f"A0{number}")
    seven, text = counted("/events/expo-2026/exhibitors")
    assert "Công ty Số 7" in text and "A07" in text and "Cơ khí" in text
    assert seven == one, "a query per exhibitor in the directory"
    profile_seven, text = counted(f"/events/expo-2026/exhibitors/{first}")
    assert 'id="booth-A07"' in text  # the hall's other booths are drawn
    assert profile_seven == profile_one


def test_exhibitor_exports_read_a_chunk_at_a_time_are_the_same_files(
    app, client, make_event, make_exhibitor, monkeypatch
):
    """Streamed (exports.py): exhibitors read one at a time give the files read all at once."""
    from exhibition import exports
    from tests.test_exports import made_responses

    make_event()
    for _ in range(3):
        make_exhibitor()
    login_client(app, client)
    made = made_responses(app)

    def files():
        csv_file = client.get("/admin/events/expo-2026/exhibitors/export.csv")
        xlsx_file = client.get("/admin/events/expo-2026/exhibitors/export.xlsx")
        assert made[-2:] == [True, True]
        sheet = load_workbook(io.BytesIO(xlsx_file.data)).active
        return csv_file.data, [[cell.value for cell in row] for row in sheet.iter_rows()]

    whole = files()
    monkeypatch.setattr(exports, "CHUNK", 1)
    assert files() == whole
    assert len(list(csv.reader(io.StringIO(whole[0].decode("utf-8-sig"))))) == len(whole[1]) == 4
