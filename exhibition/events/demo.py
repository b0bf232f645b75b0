"""The demo exhibition from the announcement, with Vietnamese demo visitors (idempotent).

It is dated from the day it is loaded, so that everything can be tried: it opens three weeks
later (or today, for trying the stations), sign-up has been open for five weeks and people have
been signing up since, and every session is ahead. The announcement's own dates (23-26 November
2021) are kept in its description, for the record."""

import math
import random
import secrets
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..badges.demo import seed_certificates
from ..booths.demo import seed_floor_plan
from ..dbtypes import utcnow
from ..exhibitors.demo import seed_exhibitors
from ..exhibitors.lead_demo import move_leads, seed_leads
from ..extensions import db
from ..mail.services import muted_outbox
from ..matchmaking.demo import move_matchmaking, seed_matchmaking
from ..payments.demo import seed_payments
from ..programme.demo import move_programme, seed_programme
from ..text import fold
from ..visitors.models import RegistrationSource, VisitorCategory
from ..visitors.services import Consents, VisitorData, register_visitor
from .models import Event
from .news_demo import seed_news
from .services import EventData, create_event

DEMO_SLUG = "cnht-haiphong-2021"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPENS_AFTER = timedelta(days=21)  # the demo exhibition opens three weeks after it is loaded
SIGN_UP_SINCE = timedelta(days=35)  # and sign-up opened five weeks before it was loaded
DAYS = 4  # 23-26 November 2021 in the announcement: four days, 09:00 to 17:00

DEMO_EVENT = EventData(
    slug=DEMO_SLUG,
    name_vi="Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ và Chế biến chế tạo",
    name_en="First International Exhibition on Supporting Industry and Manufacturing",
    description_vi=(
        "Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ và chế biến chế tạo tại Hải Phòng, "
        "do Sở Công Thương Hải Phòng tổ chức: doanh nghiệp trưng bày sản phẩm cơ khí, điện tử, "
        "nhựa, cao su, linh kiện ô tô xe máy và nguyên phụ liệu; kết nối giao thương giữa doanh "
        "nghiệp trong nước và các tập đoàn đa quốc gia. Bên lề triển lãm diễn ra Hội nghị ngành "
        "Công Thương khối quận, huyện trên địa bàn thành phố.\n"
        "Đây là bản trình diễn: theo thông báo của Sở, triển lãm diễn ra ngày 23–26/11/2021; "
        "ở đây ngày tháng được tính từ ngày nạp dữ liệu để mọi chức năng đều dùng thử được."
    ),
    description_en=(
        "The first international exhibition on supporting industry and manufacturing in Hai Phong, "
        "organised by the Hai Phong Department of Industry and Trade: businesses show mechanical, "
        "electronic, plastic and rubber products, automotive and motorbike parts and materials, and "
        "meet multinational buyers. The district-level industry and trade conference of the city is "
        "held beside the exhibition.\n"
        "This is a demonstration: the Department's announcement set the exhibition for "
        "23–26 November 2021; here its dates count from the day the demo was loaded, so that "
        "everything can be tried."
    ),
    organiser_vi="Sở Công Thương Hải Phòng",
    organiser_en="Hai Phong Department of Industry and Trade",
    venue_vi="Trung tâm Hội chợ Triển lãm Hải Phòng",
    venue_en="Hai Phong Exhibition Centre",
    address="Số 2 Lê Thánh Tông, phường Ngô Quyền, Hải Phòng",
    contact_email="xttm@haiphong.gov.vn",
    mail_sender_vi="Sở Công Thương Hải Phòng – Triển lãm CNHT",
    mail_sender_en="Hai Phong Department of Industry and Trade – Supporting Industry Exhibition",
    # The announcement's dates; demo_event() moves them to the day the demo is loaded.
    starts_at=datetime(2021, 11, 23, 9, 0, tzinfo=TZ),
    ends_at=datetime(2021, 11, 26, 17, 0, tzinfo=TZ),
    registration_opens_at=datetime(2021, 10, 1, 0, 0, tzinfo=TZ),
    registration_closes_at=datetime(2021, 11, 26, 17, 0, tzinfo=TZ),
)


def demo_event(*, loaded_on: date, opens_on: date) -> EventData:
    """The demo's settings for a demo loaded on `loaded_on` (a local day) whose exhibition
    opens on `opens_on`: four days, 09:00 to 17:00; sign-up open from five weeks before loading
    to the end of the last day (the walk-in desk registers at the door)."""
    last_day = opens_on + timedelta(days=DAYS - 1)
    return replace(
        DEMO_EVENT,
        starts_at=datetime.combine(opens_on, time(9), TZ),
        ends_at=datetime.combine(last_day, time(17), TZ),
        registration_opens_at=datetime.combine(loaded_on - SIGN_UP_SINCE, time(0), TZ),
        registration_closes_at=datetime.combine(last_day, time(17), TZ),
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
    return fold(text).replace(" ", ".")


def seed_demo(
    *, visitors: int = 60, today: bool = False, now: datetime | None = None
) -> tuple[Event, str]:
    """Load the demo exhibition once, e-mailing nobody, dated from `now`: it opens three weeks
    later, or on the day itself with `today`. Returns the event and what was done: "loaded",
    "moved" (a demo loaded before, moved with `today` so that it opens today) or "there" (a
    second run changes nothing)."""
    now = now or utcnow()
    with muted_outbox():
        event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
        if event is None:
            return _seed(visitors=visitors, today=today, now=now), "loaded"
        # Parts added to the demo later are loaded into an existing demo once.
        added = _seed_parts(event)
        if today and not event.is_on(now):
            _move(event, to=now.astimezone(TZ).date())
            return event, "moved"
        return event, "loaded" if added else "there"


def _seed_parts(event: Event) -> int:
    return (
        seed_floor_plan(event=event)
        + seed_exhibitors(event=event)
        + seed_programme(event=event)
        + seed_payments(event=event)
        + seed_matchmaking(event=event)
        + seed_leads(event=event)
        + seed_news(event=event)
        + seed_certificates(event=event)
    )


def _move(event: Event, *, to: date) -> None:
    """Move the whole demo by whole days so that its exhibition opens on `to`; the people and
    their bookings stay as they are."""
    shift = timedelta(days=(to - event.first_day).days)
    event.starts_at += shift
    event.ends_at += shift
    event.registration_opens_at += shift
    event.registration_closes_at += shift
    move_programme(event=event, by=shift)
    move_matchmaking(event=event, by=shift)
    move_leads(event=event, by=shift)
    db.session.flush()


def _signed_up_at(opens: datetime, now: datetime, index: int, count: int, rng) -> datetime:
    """When the index-th of `count` demo visitors signed up: since sign-up opened, more and more
    often as the exhibition nears (a square root spreads them that way), the last an hour ago."""
    share = math.sqrt((index + rng.random()) / count)
    return opens + (now - timedelta(hours=1) - opens) * share


def _new_name(rng, used: set[str]) -> str:
    """A demo person's name not given to anyone before."""
    while True:
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if name not in used:
            used.add(name)
            return name


def _category_of(organisation: str, rng) -> str:
    """The press and delegates by their organisation; the others trade visitors or the public."""
    if organisation.startswith(("Báo", "Đài")):
        return "press"
    if organisation.startswith(("UBND", "Phòng Kinh tế")):
        return "delegate"
    return rng.choice(["trade", "trade", "trade", "public"])


def _seed(*, visitors: int, today: bool, now: datetime) -> Event:
    loaded_on = now.astimezone(TZ).date()
    opens_on = loaded_on if today else loaded_on + OPENS_AFTER
    event = create_event(data=demo_event(loaded_on=loaded_on, opens_on=opens_on))
    seed_floor_plan(event=event)
    seed_exhibitors(event=event)
    seed_payments(event=event, now=now)
    categories = {
        c.code: c
        for c in db.session.scalars(
            sa.select(VisitorCategory).where(VisitorCategory.event_id == event.id)
        )
    }
    rng = random.Random(2021)
    used = set()
    for index in range(visitors):
        name = _new_name(rng, used)
        organisation, province, sector_codes = rng.choice(ORGANISATIONS)
        category = _category_of(organisation, rng)
        abroad = index % 17 == 16
        created_at = _signed_up_at(event.registration_opens_at, now, index, visitors, rng)
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
        register_visitor(
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
    db.session.flush()
    seed_programme(event=event, now=now)
    seed_matchmaking(event=event, now=now)
    seed_leads(event=event, now=now)
    seed_news(event=event, now=now)
    seed_certificates(event=event, now=now)
    return event


def demo_password() -> str:
    return secrets.token_urlsafe(9)
