"""Demo exhibitors for the demo exhibition: a mix of statuses, some with booths."""

import random

import sqlalchemy as sa
from stdnum.vn import mst

from ..booths.assignment import assign_booth
from ..booths.models import Booth, BoothType
from ..events.models import Event
from ..extensions import db
from .models import Exhibitor, ExhibitorStatus
from .services import ApplicationData, Preference, apply, change_status

COMPANIES = [
    (
        "Công ty TNHH Cơ khí Chính xác Hải An",
        "Hai An Precision Engineering Co., Ltd.",
        "mechanical",
        "Chi tiết máy CNC, trục, bánh răng",
    ),
    (
        "Công ty CP Khuôn mẫu Đông Á",
        "Dong A Mould JSC",
        "moulds",
        "Khuôn ép nhựa, khuôn dập kim loại",
    ),
    (
        "Công ty TNHH Linh kiện Điện tử Đình Vũ",
        "Dinh Vu Electronic Components Co., Ltd.",
        "electronics",
        "Bo mạch, dây cáp, cảm biến",
    ),
    (
        "Công ty CP Tự động hóa Tràng Duệ",
        "Trang Due Automation JSC",
        "automation",
        "Robot hàn, băng tải, tủ điều khiển PLC",
    ),
    (
        "Công ty CP Nhựa Thiếu niên Tiền Phong",
        "Tien Phong Plastic JSC",
        "plastics",
        "Ống nhựa PVC, HDPE, phụ kiện",
    ),
    (
        "Công ty TNHH Phụ tùng Ô tô Việt Hưng",
        "Viet Hung Auto Parts Co., Ltd.",
        "automotive",
        "Phanh, ly hợp, chi tiết dập",
    ),
    (
        "Công ty CP Cao su Sao Vàng Hải Phòng",
        "Sao Vang Rubber Hai Phong JSC",
        "plastics",
        "Gioăng, đệm cao su kỹ thuật",
    ),
    (
        "Công ty TNHH Bao bì Kiến An",
        "Kien An Packaging Co., Ltd.",
        "packaging",
        "Thùng carton, màng co, in offset",
    ),
    (
        "Công ty CP Dệt may Hưng Yên",
        "Hung Yen Textile JSC",
        "textile",
        "Vải kỹ thuật, chỉ may, phụ liệu",
    ),
    (
        "Công ty TNHH Cơ điện Lạch Tray",
        "Lach Tray M&E Co., Ltd.",
        "electrical",
        "Tủ điện, máy biến áp, cáp điện",
    ),
    (
        "Công ty CP Đúc Thép An Dương",
        "An Duong Steel Casting JSC",
        "mechanical",
        "Phôi đúc, chi tiết thép hợp kim",
    ),
    (
        "Công ty TNHH Điện tử Tràng Duệ",
        "Trang Due Electronics Co., Ltd.",
        "electronics",
        "Linh kiện điện tử, lắp ráp SMT",
    ),
    (
        "Công ty CP Khuôn mẫu Chính xác Thủy Nguyên",
        "Thuy Nguyen Precision Mould JSC",
        "moulds",
        "Khuôn đúc áp lực nhôm",
    ),
    (
        "Công ty TNHH Robot Công nghiệp VN",
        "VN Industrial Robotics Co., Ltd.",
        "automation",
        "Cánh tay robot, thị giác máy",
    ),
    (
        "Công ty CP Linh kiện Xe máy Đồ Sơn",
        "Do Son Motorbike Parts JSC",
        "automotive",
        "Vành, nan hoa, chi tiết nhựa xe máy",
    ),
    (
        "Công ty TNHH Vật liệu Mới Hải Phòng",
        "Hai Phong New Materials Co., Ltd.",
        "materials",
        "Bột màu, hạt nhựa kỹ thuật",
    ),
    (
        "Công ty CP In và Bao bì Lê Chân",
        "Le Chan Printing & Packaging JSC",
        "packaging",
        "Tem nhãn, bao bì mềm",
    ),
    (
        "Công ty TNHH Da giày Quảng Ninh",
        "Quang Ninh Footwear Materials Co., Ltd.",
        "leather",
        "Da thuộc, đế giày",
    ),
]
# Product lines in English for the English directory (the others fall back to Vietnamese).
PRODUCTS_EN = {
    "Hai An Precision Engineering Co., Ltd.": "CNC machine parts, shafts, gears",
    "Dong A Mould JSC": "Plastic injection moulds, metal stamping dies",
    "Dinh Vu Electronic Components Co., Ltd.": "Circuit boards, cables, sensors",
    "Trang Due Automation JSC": "Welding robots, conveyors, PLC control cabinets",
    "Tien Phong Plastic JSC": "PVC and HDPE pipes, fittings",
    "Viet Hung Auto Parts Co., Ltd.": "Brakes, clutches, stamped parts",
    "Kien An Packaging Co., Ltd.": "Cardboard boxes, shrink film, offset printing",
}
STATUSES = [ExhibitorStatus.CONFIRMED] * 6 + [ExhibitorStatus.BOOTH_ASSIGNED] * 4 + [
    ExhibitorStatus.APPROVED] * 4 + [ExhibitorStatus.SUBMITTED] * 2 + [ExhibitorStatus.WAITLISTED, ExhibitorStatus.REJECTED]  # fmt: skip


def _tax_code(rng: random.Random) -> str:
    while True:  # some nine-digit stems have no valid check digit
        nine = f"02{rng.randint(0, 9_999_999):07d}"  # 02: registered in Hai Phong
        number = nine + mst.calc_check_digit(nine)
        if mst.is_valid(number):
            return number


def seed_exhibitors(*, event: Event) -> int:
    """Demo applications unless the event has some; returns how many were made."""
    if (
        db.session.scalar(sa.select(Exhibitor.id).where(Exhibitor.event_id == event.id).limit(1))
        is not None
    ):
        return 0
    rng = random.Random(1123)
    booths = list(
        db.session.scalars(sa.select(Booth).where(Booth.event_id == event.id).order_by(Booth.code))
    )
    by_sector: dict[str, list[Booth]] = {}
    for booth in booths:
        if booth.type is not BoothType.RAW:
            by_sector.setdefault(booth.sector_code, []).append(booth)
    for index, ((name_vi, name_en, sector, products), status) in enumerate(
        zip(COMPANIES, STATUSES, strict=True)
    ):
        zone_booths = by_sector.get(sector) or by_sector["mechanical"]
        wishes = rng.sample(zone_booths, k=3)
        slug = name_en.split()[0].lower()
        exhibitor, _ = apply(
            event=event,
            data=ApplicationData(
                company_name_vi=name_vi, company_name_en=name_en, tax_code=_tax_code(rng), province_code="HP",
                contact_name=rng.choice(["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Minh Tuấn", "Phạm Thu Hà"]),
                contact_email=f"kinhdoanh{index + 1}@{slug}.example.com", contact_phone=f"+84912{rng.randint(100000, 999999)}",
                booth_type=BoothType.STANDARD, booth_count=1, sector_codes=[sector], main_products=products,
                main_products_en=PRODUCTS_EN.get(name_en, ""),
                certifications=["ISO 9001"] + (["IATF 16949"] if sector == "automotive" else []),
                description_vi=f"{name_vi}: {products}.", street="Khu công nghiệp Đình Vũ", commune="Phường Đông Hải",
                preferences=[Preference(rank=i + 1, booth_code=b.code) for i, b in enumerate(wishes)],
            ),
        )  # fmt: skip
        if status is ExhibitorStatus.SUBMITTED:
            continue
        if status in (ExhibitorStatus.WAITLISTED, ExhibitorStatus.REJECTED):
            change_status(
                exhibitor=exhibitor, to=status, reason="Hết gian hàng trong khu vực đã chọn."
            )
            continue
        change_status(exhibitor=exhibitor, to=ExhibitorStatus.APPROVED)
        if status is ExhibitorStatus.APPROVED:
            continue
        free = next((b for b in wishes if b.assignment is None), None) or next(
            b for b in zone_booths if b.assignment is None
        )
        assign_booth(booth=free, exhibitor=exhibitor)
        db.session.refresh(free, ["assignment"])
        if status is ExhibitorStatus.CONFIRMED:
            change_status(exhibitor=exhibitor, to=ExhibitorStatus.CONFIRMED)
    db.session.flush()
    return len(COMPANIES)
