"""The demo floor plan: two halls of shell-scheme islands with corner booths, aisles and raw spaces."""

import sqlalchemy as sa

from ..events.models import Event
from ..extensions import db
from .models import Booth, BoothType, Hall

BOOTH = 3.0  # metres, shell scheme
AISLE = 4.0
PER_ROW = 8  # booths per island row; each island is two rows back to back
PRICE = {BoothType.STANDARD: 15_000_000, BoothType.CORNER: 18_000_000}
RAW_PRICE_PER_M2 = 1_500_000

# hall code, Vietnamese, English, island columns, island rows, zones (one per island, row by row)
HALLS = [
    ("A", "Nhà A", "Hall A", 3, 2, [
        ("Cơ khí", "mechanical"), ("Cơ khí", "mechanical"), ("Khuôn mẫu", "moulds"),
        ("Điện tử", "electronics"), ("Điện tử", "electronics"), ("Tự động hóa", "automation"),
    ]),
    ("B", "Nhà B", "Hall B", 2, 2, [
        ("Nhựa - Cao su", "plastics"), ("Linh kiện ô tô", "automotive"),
        ("Dệt may - Da giày", "textile"), ("Bao bì", "packaging"),
    ]),
]  # fmt: skip


def seed_floor_plan(*, event: Event) -> int:
    """Create the demo halls and booths unless the event has halls already; returns booths made."""
    if db.session.scalar(sa.select(Hall.id).where(Hall.event_id == event.id).limit(1)) is not None:
        return 0
    made = 0
    for position, (code, name_vi, name_en, columns, rows, zones) in enumerate(HALLS):
        island_w, island_d = PER_ROW * BOOTH, 2 * BOOTH
        width = AISLE + columns * (island_w + AISLE)
        raw_depth = 6.0 if code == "B" else 0.0
        depth = AISLE + rows * (island_d + AISLE) + (raw_depth + AISLE if raw_depth else 0)
        hall = Hall(
            event_id=event.id,
            code=code,
            name_vi=name_vi,
            name_en=name_en,
            width_m=width,
            depth_m=depth,
            position=position,
        )
        db.session.add(hall)
        db.session.flush()
        number = 0
        for island in range(columns * rows):
            zone, sector = zones[island]
            x0 = AISLE + (island % columns) * (island_w + AISLE)
            y0 = AISLE + (island // columns) * (island_d + AISLE)
            for side in range(2):
                for index in range(PER_ROW):
                    number += 1
                    kind = BoothType.CORNER if index in (0, PER_ROW - 1) else BoothType.STANDARD
                    db.session.add(
                        Booth(
                            event_id=event.id, hall_id=hall.id, code=f"{code}{number:02d}",
                            x_m=x0 + index * BOOTH, y_m=y0 + side * BOOTH, width_m=BOOTH, depth_m=BOOTH,
                            type=kind, zone=zone, sector_code=sector, price_vnd=PRICE[kind],
                        )
                    )  # fmt: skip
                    made += 1
        if raw_depth:
            y0 = depth - AISLE - raw_depth
            raw_width = (width - 2 * AISLE - 3 * AISLE) / 4
            for index in range(4):
                number += 1
                db.session.add(
                    Booth(
                        event_id=event.id, hall_id=hall.id, code=f"{code}{number:02d}",
                        x_m=AISLE + index * (raw_width + AISLE), y_m=y0, width_m=raw_width, depth_m=raw_depth,
                        type=BoothType.RAW, zone="Không gian thô", sector_code=None,
                        price_vnd=int(raw_width * raw_depth * RAW_PRICE_PER_M2),
                    )
                )  # fmt: skip
                made += 1
    db.session.flush()
    return made
