"""The import page offers a template file (CSV and Excel, headers in the page's language, one
example row); downloaded from the page's link and uploaded back through its own form, it imports
its example row."""

import csv
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from exhibition.extensions import db
from exhibition.reference.models import Sector
from exhibition.visitors.models import Registration
from tests.admin.test_sign_in import rendered_form
from tests.conftest import login_client

HEADERS = {
    "vi": ["Họ và tên", "Email", "Điện thoại", "Đơn vị", "Chức vụ", "Loại khách",
           "Tỉnh/thành phố", "Quốc gia", "Lĩnh vực", "Ngôn ngữ"],
    "en": ["Full name", "E-mail", "Phone", "Organisation", "Job title", "Category",
           "Province or city", "Country", "Sectors", "Language"],
}  # fmt: skip
IMPORTED = {"vi": "1 người đã được nhập, kèm thẻ.", "en": "1 person imported, with a badge."}


def table(kind: str, data: bytes) -> list[list[str]]:
    if kind == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(("language", "kind"), [("vi", "csv"), ("vi", "xlsx"), ("en", "csv"),
                                                ("en", "xlsx")])  # fmt: skip
def test_template_downloaded_from_the_import_page_imports_its_example_row(
    app, client, make_event, language, kind
):
    make_event()
    login_client(app, client)
    page = client.get(f"/admin/events/expo-2026/registrations/import?lang={language}")
    link = re.search(rf'href="([^"]+/template\.{kind})"', page.text)[1]

    download = client.get(link)

    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = table(kind, download.data)
    assert rows[0] == HEADERS[language]
    assert len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example[HEADERS[language][0]] == "Nguyễn Văn An"
    assert example[HEADERS[language][2]] == "0912 345 678"  # text, not a number

    filename = re.search(r'filename="([^"]+)"', download.headers["Content-Disposition"])[1]
    imported = client.post(
        "/admin/events/expo-2026/registrations/import",
        data=rendered_form(page.text, file=(io.BytesIO(download.data), filename), consent="y"),
        content_type="multipart/form-data",
    )

    assert imported.status_code == 200
    assert IMPORTED[language] in imported.text
    with app.app_context():
        (registration,) = db.session.scalars(sa.select(Registration)).all()
        sectors = db.session.scalars(sa.select(Sector.code).order_by(Sector.position).limit(2))
        assert (
            registration.full_name,
            registration.email,
            registration.phone,
            registration.category.code,
            registration.province_code,
            registration.country_code,
            registration.language,
            [s.code for s in registration.sectors],
        ) == (
            "Nguyễn Văn An",
            "an.nguyen@example.com",
            "+84912345678",
            "trade",
            "HP",
            "VN",
            language,
            sorted(sectors.all()),
        )
