"""The exhibitor's downloads of its leads: CSV and Excel (formula-safe, anonymous visits without
personal columns), vCard 4.0 (one card per shared lead, escaped per RFC 6350), English column
names as docs/leads-crm.md maps them."""

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook

from exhibition.exhibitors import lead_exports
from exhibition.extensions import db
from tests.exhibitors.lead_data import PORTAL, signed_in

HEADER = [
    "Full Name",
    "Company",
    "Title",
    "Email",
    "Phone",
    "State/Province",
    "Industry",
    "Details Shared",
    "Rating",
    "Tags",
    "Ngân sách?",
    "First Scan",
    "Last Scan",
    "Scan Count",
    "Notes",
]


def _question(app, booth):
    from exhibition.exhibitors.lead_models import LeadAnswer
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.qualification import add_question

    with app.app_context():
        question = add_question(
            exhibitor=db.session.get(Exhibitor, booth["exhibitor"]), text_vi="Ngân sách?"
        )
        db.session.add(LeadAnswer(lead_id=booth["shared"], question_id=question.id, answer="2 tỷ"))
        db.session.commit()


def _rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_has_the_crm_columns_only_shared_details_and_formula_safe_cells(app, client, booth):
    _question(app, booth)
    signed_in(app, client)
    response = client.get(f"{PORTAL}/leads/export.csv", query_string={"lang": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="expo-2026-leads-\d{8}-\d{4}\.csv"',
        response.headers["Content-Disposition"],
    )
    text = response.get_data(as_text=True)
    assert next(csv.reader(io.StringIO(text[1:]))) == HEADER
    shared = next(r for r in _rows(text) if r["Full Name"] == "<b>Trần</b> An")
    anonymous = next(r for r in _rows(text) if r["Details Shared"] == "No")
    formula = next(r for r in _rows(text) if r["Full Name"] == "Lê Formula")
    assert (shared["Company"], shared["Title"], shared["Phone"]) == (
        "Công ty <i>Hải An</i>",
        "Trưởng phòng",
        "'+84912345678",
    )
    assert (shared["State/Province"], shared["Industry"]) == (
        "Hai Phong",
        "Mechanical engineering and metal processing",
    )
    assert (shared["Rating"], shared["Tags"], shared["Ngân sách?"]) == (
        "Hot",
        "CNC, Khuôn mẫu",
        "2 tỷ",
    )
    assert (shared["First Scan"], shared["Scan Count"]) == ("2026-12-06 10:00", "3")
    assert shared["Notes"] == "6 December 2026, 11:00 Máy của <Anna>: Gọi lại <script>x</script>"
    assert (formula["Company"], formula["Title"], formula["Tags"]) == (
        "'=1+1",
        "'@SUM(A1)",
        "'=cmd|' /C calc'!A0",
    )
    assert [anonymous[key] for key in HEADER[:7]] == [""] * 7
    assert (anonymous["Scan Count"], anonymous["First Scan"]) == ("3", "2026-12-06 10:00")


def test_excel_cells_are_text_never_formulas_and_times_are_dates(app, client, booth):
    signed_in(app, client)
    response = client.get(f"{PORTAL}/leads/export.xlsx", query_string={"lang": "en"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header == [h for h in HEADER if h != "Ngân sách?"]
    rows = [
        dict(zip(header, (cell for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    formula = next(r for r in rows if r["Full Name"].value == "Lê Formula")
    assert (formula["Company"].value, formula["Company"].data_type) == ("=1+1", "s")
    assert (formula["Title"].value, formula["Title"].data_type) == ("@SUM(A1)", "s")
    assert formula["Tags"].value == "=cmd|' /C calc'!A0" and formula["Tags"].data_type == "s"
    assert formula["First Scan"].is_date and formula["Scan Count"].value == 1
    anonymous = [r for r in rows if r["Details Shared"].value == "No"]
    assert len(anonymous) == 1 and anonymous[0]["Full Name"].value is None
    assert anonymous[0]["Email"].value is None


def test_vcard_has_one_escaped_card_per_shared_lead(app, client, booth):
    from exhibition.events.services import get_event

    with app.app_context():
        get_event(slug="expo-2026").lead_fields = [
            "name",
            "organisation",
            "email",
            "phone",
            "province",
        ]
        db.session.commit()
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import Registration

    with app.app_context():  # the consent again, under this choice of fields
        registration = db.session.get(Registration, booth["registration"])
        change_consents(registration=registration, share_exhibitors=False, news=False)
        change_consents(registration=registration, share_exhibitors=True, news=False)
        db.session.commit()
    signed_in(app, client)
    response = client.get(f"{PORTAL}/leads/export.vcf", query_string={"lang": "en"})
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    text = response.get_data(as_text=True)
    assert text.count("BEGIN:VCARD\r\n") == 2 and text.count("END:VCARD\r\n") == 2
    assert "Phạm Ẩn Danh" not in text  # the anonymous visit has no card
    unfolded = text.replace("\r\n ", "")
    card = next(c for c in unfolded.split("BEGIN:VCARD") if "Trần" in c)
    lines = card.strip().split("\r\n")
    assert "VERSION:4.0" in lines
    assert "FN:<b>Trần</b> An" in lines
    assert "ORG:Công ty <i>Hải An</i>" in lines
    assert f"EMAIL;TYPE=work:{booth['email']}" in lines
    assert "TEL;VALUE=uri;TYPE=work:tel:+84912345678" in lines
    assert "ADR;TYPE=work:;;;;Hai Phong;;" in lines
    assert "CATEGORIES:CNC,Khuôn mẫu" in lines
    assert not any(line.startswith("TITLE:") for line in lines)  # job title not chosen
    (note,) = [line for line in lines if line.startswith("NOTE:")]
    assert note == (
        "NOTE:Rating: Hot\\nNotes: 6 December 2026\\, 11:00 Máy của <Anna>: Gọi lại <script>x</script>"
    )
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75


def test_vcard_text_is_escaped_and_lines_folded_per_rfc_6350():
    assert lead_exports.vcard_text("a,b;c\\d\ne\r\nf\x00") == "a\\,b\\;c\\\\d\\ne\\nf"
    line = "NOTE:" + "ệ" * 60
    folded = lead_exports.fold_line(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line


def test_english_column_names_are_the_ones_the_crm_document_maps(app):
    from flask_babel import force_locale

    doc = (Path(__file__).parents[2] / "docs" / "leads-crm.md").read_text()
    documented = re.findall(r"^\| `([^`]+)` \|", doc, re.M)
    columns = lead_exports.PERSON_COLUMNS + lead_exports.VISIT_COLUMNS + lead_exports.TIME_COLUMNS
    with app.test_request_context(), force_locale("en"):
        assert [str(header) for _key, header in columns] == documented
    assert documented == [h for h in HEADER if h != "Ngân sách?"]


def test_exports_are_refused_without_sign_in(app, client, booth):
    response = client.get(f"{PORTAL}/leads/export.csv")
    assert response.headers["Location"] == f"{PORTAL}/login"


def test_lead_files_read_a_chunk_at_a_time_are_the_same_files(app, client, booth, monkeypatch):
    """Streamed (exports.py): the leads read one at a time give the files read all at once."""
    from exhibition import exports
    from tests.test_exports import made_responses

    _question(app, booth)
    signed_in(app, client)
    made = made_responses(app)

    def files():
        found = {}
        for kind in ("csv", "xlsx"):
            response = client.get(f"{PORTAL}/leads/export.{kind}", query_string={"lang": "en"})
            assert response.status_code == 200 and made.pop() is True
            found[kind] = response.data
        sheet = load_workbook(io.BytesIO(found["xlsx"])).active
        cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        return found["csv"], cells, widths

    whole = files()
    monkeypatch.setattr(exports, "CHUNK", 1)
    assert files() == whole
    assert len(whole[1]) == len(_rows(whole[0].decode())) + 1 > 2
