"""Booths from a CSV file (and back): organisers draw the plan in a spreadsheet and upload it.

Columns: hall, code, x_m, y_m, width_m, depth_m, type (standard/corner/raw), zone, sector (a sector
code or empty), price_vnd, status (available/reserved/blocked). A booth is found by its code and
updated, or created; a hall is created when its code is new and grows to hold its booths. The
whole file is checked first: one bad row and nothing is stored.
"""

import csv
import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ..events.models import Event
from ..extensions import db
from ..reference.models import Sector
from ..spreadsheets import OversizedTable, csv_lines
from .models import Booth, BoothStatus, BoothType, Hall

# What a row sets on its booth, and the file's columns: the hall, the code, then these (the
# sector's column is called "sector").
ATTRIBUTES = (
    "x_m",
    "y_m",
    "width_m",
    "depth_m",
    "type",
    "zone",
    "sector_code",
    "price_vnd",
    "status",
)
COLUMNS = ["hall", "code", *(name.removesuffix("_code") for name in ATTRIBUTES)]
MAX_ROWS = 5000
MARGIN = 4.0  # metres of floor kept around the booths when a hall is sized from them


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _number(value: str, *, minimum: float, maximum: float) -> float:
    number = float(value.replace(",", "."))
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise ValueError(value)
    return number


def _parse(text: str) -> tuple[list[dict], list[str]]:
    rows, errors = [], []
    reader = csv.DictReader(csv_lines(text, max_rows=MAX_ROWS))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [_("The file lacks the columns: %(columns)s.", columns=", ".join(missing))]
    sectors = set(db.session.scalars(sa.select(Sector.code)))
    seen = set()
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            errors.append(_("At most %(count)s booths per file.", count=MAX_ROWS))
            break
        row = {key: (raw.get(key) or "").strip() for key in COLUMNS}
        try:
            code = row["code"].upper()
            if not code or len(code) > 16 or not code.replace("-", "").isalnum():
                raise ValueError("code")
            if code in seen:
                raise ValueError("duplicate")
            seen.add(code)
            hall = row["hall"].upper()
            if not hall or len(hall) > 16:
                raise ValueError("hall")
            parsed = {
                "hall": hall,
                "code": code,
                "x_m": _number(row["x_m"], minimum=0, maximum=2000),
                "y_m": _number(row["y_m"], minimum=0, maximum=2000),
                "width_m": _number(row["width_m"], minimum=0.5, maximum=500),
                "depth_m": _number(row["depth_m"], minimum=0.5, maximum=500),
                "type": BoothType(row["type"].lower() or "standard"),
                "zone": row["zone"][:32],
                "sector_code": row["sector"] or None,
                "price_vnd": int(_number(row["price_vnd"] or "0", minimum=0, maximum=10**12)),
                "status": BoothStatus(row["status"].lower() or "available"),
            }
            if parsed["sector_code"] is not None and parsed["sector_code"] not in sectors:
                raise ValueError("sector")
            if not 0 <= parsed["price_vnd"] <= 10**12:
                raise ValueError("price")
        except (ValueError, KeyError, OverflowError) as error:
            reason = (
                str(error)
                if str(error) in ("code", "duplicate", "hall", "sector", "price")
                else "value"
            )
            messages = {
                "code": _("booth code missing, too long or not letters and digits"),
                "duplicate": _("this booth code appears twice in the file"),
                "hall": _("hall code missing or too long"),
                "sector": _("unknown sector code"),
                "price": _("price out of range"),
                "value": _("a number, type or status is not valid"),
            }
            errors.append(_("Row %(line)s: %(reason)s.", line=line, reason=messages[reason]))
            continue
        rows.append(parsed)
    return rows, errors


def _read_rows(data: bytes) -> tuple[list[dict], list[str]]:
    """The rows of CSV bytes (UTF-8, with or without BOM), or the problems that stop the import."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_('The file is not UTF-8 text. Save it as "CSV UTF-8".')]
    if "\x00" in text:
        return [], [_("The file is not a CSV text file.")]
    try:
        return _parse(text)
    except csv.Error:
        return [], [_("The file is not a CSV text file.")]
    except OversizedTable as error:
        return [], [str(error)]


def _changes_assigned(booth: Booth | None, row: dict) -> bool:
    """Whether a row would block an assigned booth or change its hall, type or size."""
    return (
        booth is not None
        and booth.assignment is not None
        and (
            row["status"] is BoothStatus.BLOCKED
            or row["type"] is not booth.type
            or (row["width_m"], row["depth_m"]) != (booth.width_m, booth.depth_m)
            or (booth.hall_id is not None and booth.hall.code != row["hall"])
        )
    )


def import_booths(*, event: Event, data: bytes) -> ImportReport:
    """Create or update the event's booths from CSV bytes (UTF-8, with or without BOM); all or nothing."""
    report = ImportReport()
    rows, report.errors = _read_rows(data)
    if report.errors:
        return report
    halls = {
        h.code: h for h in db.session.scalars(sa.select(Hall).where(Hall.event_id == event.id))
    }
    booths = {
        b.code: b for b in db.session.scalars(sa.select(Booth).where(Booth.event_id == event.id))
    }
    for row in rows:
        hall = halls.get(row["hall"])
        if hall is None:
            hall = Hall(event_id=event.id, code=row["hall"], name_vi=f"Nhà {row['hall']}", name_en=f"Hall {row['hall']}",
                        width_m=0, depth_m=0, position=len(halls))  # fmt: skip
            db.session.add(hall)
            halls[hall.code] = hall
        hall.width_m = max(hall.width_m, row["x_m"] + row["width_m"] + MARGIN)
        hall.depth_m = max(hall.depth_m, row["y_m"] + row["depth_m"] + MARGIN)
        booth = booths.get(row["code"])
        if _changes_assigned(booth, row):
            report.errors.append(
                _(
                    "Booth %(code)s is assigned: free it before blocking it or changing its hall, type or size.",
                    code=booth.code,
                )
            )
            continue
        if booth is None:
            booth = Booth(event_id=event.id, code=row["code"])
            db.session.add(booth)
            booths[booth.code] = booth
            report.created += 1
        else:
            report.updated += 1
        booth.hall = hall
        for key in ATTRIBUTES:
            setattr(booth, key, row[key])
    if report.errors:
        return report
    db.session.flush()
    return report


def export_booths(*, event: Event) -> list[list]:
    """The event's booths as rows in the import format (so a plan can be edited and uploaded again)."""
    query = (
        sa.select(Booth, Hall.code)
        .join(Hall, Hall.id == Booth.hall_id)
        .where(Booth.event_id == event.id)
        .order_by(Hall.position, Booth.code)
    )
    return [
        [
            hall_code,
            b.code,
            b.x_m,
            b.y_m,
            b.width_m,
            b.depth_m,
            b.type.value,
            b.zone,
            b.sector_code or "",
            b.price_vnd,
            b.status.value,
        ]
        for b, hall_code in db.session.execute(query)
    ]
