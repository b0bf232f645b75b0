"""Writing tables as CSV (UTF-8 with BOM, for Excel) or XLSX; cells are neutralised by the callers."""

import csv
import io

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def as_csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def _text(sheet, value) -> WriteOnlyCell:
    """A cell that holds text whatever the text is: openpyxl would store "#N/A" as an error
    value (and "=..." as a formula) rather than as the text typed."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell


def as_xlsx(header: list[str], rows: list[list], *, title: str) -> bytes:
    """An .xlsx workbook; every cell is written as a string or number, never as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(
            [cell if isinstance(cell, int | float) else _text(sheet, cell) for cell in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(header: list[str], rows: list[list], *, kind: str, name: str) -> Response:
    """A download of the table as `kind` ("csv" or "xlsx"), named `name` plus the extension."""
    if kind == "xlsx":
        body, mimetype = as_xlsx(header, rows, title=name), XLSX
    else:
        body, mimetype = as_csv(header, rows), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )
