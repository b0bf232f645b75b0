"""The demo exhibition from the announcement, with Vietnamese demo visitors (idempotent)."""

import random
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from .models import Event
from .services import EventData, create_event

DEMO_SLUG = "cnht-haiphong-2021"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

DEMO_EVENT = EventData(
    slug=DEMO_SLUG,
    name_vi="Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ và Chế biến chế tạo",
    name_en="First International Exhibition on Supporting Industry and Manufacturing",
    description_vi=(
        "Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ và chế biến chế tạo tại Hải Phòng, "
        "do Sở Công Thương Hải Phòng tổ chức: doanh nghiệp trưng bày sản phẩm cơ khí, điện tử, "
        "nhựa, cao su, linh kiện ô tô xe máy và nguyên phụ liệu; kết nối giao thương giữa doanh "
        "nghiệp trong nước và các tập đoàn đa quốc gia. Bên lề triển lãm diễn ra Hội nghị ngành "
        "Công Thương khối quận, huyện trên địa bàn thành phố."
    ),
    description_en=(
        "The first international exhibition on supporting industry and manufacturing in Hai Phong, "
        "organised by the Hai Phong Department of Industry and Trade: businesses show mechanical, "
        "electronic, plastic and rubber products, automotive and motorbike parts and materials, and "
        "meet multinational buyers. The district-level industry and trade conference of the city is "
        "held beside the exhibition."
    ),
    organiser_vi="Sở Công Thương Hải Phòng",
    organiser_en="Hai Phong Department of Industry and Trade",
    venue_vi="Trung tâm Hội chợ Triển lãm Hải Phòng",
    venue_en="Hai Phong Exhibition Centre",
    address="Số 2 Lê Thánh Tông, phường Ngô Quyền, Hải Phòng",
    contact_email="xttm@haiphong.gov.vn",
    mail_sender_vi="Sở Công Thương Hải Phòng – Triển lãm CNHT",
    mail_sender_en="Hai Phong Department of Industry and Trade – Supporting Industry Exhibition",
    starts_at=datetime(2021, 11, 23, 9, 0, tzinfo=TZ),
    ends_at=datetime(2021, 11, 26, 17, 0, tzinfo=TZ),
    registration_opens_at=datetime(2021, 10, 1, 0, 0, tzinfo=TZ),
    # The announcement's dates are past; the demo keeps sign-up open so that it can be tried.
    registration_closes_at=datetime(2030, 12, 31, 23, 59, tzinfo=TZ),
)

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Thanh", "Hữu", "Hồng"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Long", "Mai",
         "Nam", "Nhung", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"]  # fmt: skip
ORGANISATIONS = [
    ("Công ty TNHH Cơ khí Chính xác Hải An", "HP", ["mechanical", "moulds"]),
    ("Công ty CP Nhựa Thiếu niên Tiền Phong", "HP", ["plastics"]),
    ("Công ty TNHH Linh kiện Điện tử Đình Vũ", "HP", ["electronics"]),
    ("Công ty CP Cao su Sao Vàng", "HN", ["plastics", "automotive"]),
    ("Công ty TNHH Bao bì Kiến An", "HP", ["packaging"]),
    ("Công ty CP Tự động hóa Tràng Duệ", "HP", ["automation", "electrical"]),
    ("Công ty TNHH Phụ tùng Xe máy Bắc Ninh", "BN", ["automotive"]),
    ("Công ty CP Dệt may Hưng Yên", "HY", ["textile"]),
    ("Công ty TNHH Da giày Quảng Ninh", "QNI", ["leather"]),
    ("Công ty CP Hóa chất và Vật liệu Thủy Nguyên", "HP", ["materials"]),
    ("Báo Hải Phòng", "HP", []),
    ("Đài Phát thanh và Truyền hình Hải Phòng", "HP", []),
    ("UBND quận Kiến An", "HP", []),
    ("Phòng Kinh tế quận Lê Chân", "HP", []),
    ("Trường Đại học Hàng hải Việt Nam", "HP", ["services"]),
    ("Công ty TNHH Kỹ thuật Khuôn mẫu Đông Á", "HN", ["moulds", "mechanical"]),
]
JOBS = ["Giám đốc", "Phó Giám đốc", "Trưởng phòng Kinh doanh", "Kỹ sư cơ khí", "Chuyên viên mua hàng",
        "Phóng viên", "Trưởng phòng Kinh tế", "Kỹ sư sản xuất", "Nhân viên xuất nhập khẩu", "Giảng viên"]  # fmt: skip


def _ascii(text: str) -> str:
    from ..text import fold

    return fold(text).replace(" ", ".")


def seed_demo(*, visitors: int = 60) -> tuple[Event, bool]:
    """Load the demo exhibition once, e-mailing nobody; returns (event, created). A second run changes nothing."""
    from ..mail.services import muted_outbox

    with muted_outbox():
        return _seed(visitors=visitors)


def _seed(*, visitors: int) -> tuple[Event, bool]:
    from ..booths.demo import seed_floor_plan
    from ..exhibitors.demo import seed_exhibitors
    from ..programme.demo import seed_programme
    from ..visitors.models import RegistrationSource, VisitorCategory
    from ..visitors.services import Consents, VisitorData, register_visitor

    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if event is not None:
        # Parts added to the demo later are loaded into an existing demo once.
        added = (
            seed_floor_plan(event=event)
            + seed_exhibitors(event=event)
            + seed_programme(event=event)
        )
        return event, bool(added)
    event = create_event(data=DEMO_EVENT)
    seed_floor_plan(event=event)
    seed_exhibitors(event=event)
    categories = {
        c.code: c
        for c in db.session.scalars(
            sa.select(VisitorCategory).where(VisitorCategory.event_id == event.id)
        )
    }
    rng = random.Random(2021)
    used = set()
    created_at = event.registration_opens_at
    for index in range(visitors):
        while True:
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            if name not in used:
                used.add(name)
                break
        organisation, province, sector_codes = rng.choice(ORGANISATIONS)
        if organisation.startswith(("Báo", "Đài")):
            category = "press"
        elif organisation.startswith(("UBND", "Phòng Kinh tế")):
            category = "delegate"
        else:
            category = rng.choice(["trade", "trade", "trade", "public"])
        abroad = index % 17 == 16
        created_at += timedelta(hours=rng.randint(2, 20), minutes=rng.randint(0, 59))
        data = VisitorData(
            full_name=name,
            email=f"{_ascii(name)}.{index}@example.com",
            phone=f"+849{rng.randint(10000000, 99999999)}",
            category_id=categories[category].id,
            organisation=organisation,
            job_title=rng.choice(JOBS),
            province_code=None if abroad else province,
            country_code="JP" if abroad else "VN",
            sector_codes=sector_codes,
            language="en" if abroad else "vi",
        )
        registration, _ = register_visitor(
            event=event,
            data=data,
            consents=Consents(
                processing=True, share_exhibitors=rng.random() < 0.6, news=rng.random() < 0.4
            ),
            source=RegistrationSource.DEMO,
            public_only=False,  # delegates and press are among them
            check_window=False,
            now=created_at,
        )
        if index % 3 == 0:
            registration.checked_in_at = event.starts_at + timedelta(minutes=rng.randint(0, 240))
    db.session.flush()
    seed_programme(event=event)
    return event, True


def demo_password() -> str:
    return secrets.token_urlsafe(9)
