"""The demo exhibition's conference programme, after the announcement: the district-level
industry and trade conference chaired by the Director of the Department, invited delegates from
the districts, and open seminars for visitors, one of them full with a waiting list. Sessions
are placed on the exhibition's days, wherever the demo is dated. Loaded once; a second run
changes nothing."""

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..text import fold
from ..visitors.models import Registration, RegistrationSource
from .invitations import accept, decline, import_delegates
from .models import ConferenceSession, Room, RoomWindow, SessionAccess, SessionType
from .seats import SessionClosed, SessionOverlap, book
from .services import publish, save_room, save_session, save_speaker, sessions

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

ROOMS = [
    ("Hội trường lớn", "Main hall", 300),
    ("Phòng hội thảo 1", "Seminar room 1", 80),
    ("Phòng hội thảo 2", "Seminar room 2", 60),
    ("Khu kết nối giao thương", "Business matching area", 40),
]

# Bùi Quang Hải chairs the conference in the announcement; the others are the demo's inventions.
SPEAKERS = {
    "hai": dict(
        full_name="Bùi Quang Hải",
        title_vi="Giám đốc Sở Công Thương",
        title_en="Director, Department of Industry and Trade",
        organisation_vi="Sở Công Thương Hải Phòng",
        organisation_en="Hai Phong Department of Industry and Trade",
        bio_vi="Chủ trì Hội nghị ngành Công Thương khối quận, huyện năm 2021.",
        bio_en="Chairs the 2021 district-level industry and trade conference.",
    ),
    "khuyencong": dict(
        full_name="Phạm Thị Thu Hà",
        title_vi="Phó Giám đốc Trung tâm Khuyến công & TVPTCN",
        title_en="Deputy Director, Industrial Promotion and Development Consulting Centre",
        organisation_vi="Sở Công Thương Hải Phòng",
        organisation_en="Hai Phong Department of Industry and Trade",
        bio_vi="Phụ trách chương trình khuyến công thành phố giai đoạn 2021–2025.",
        bio_en="In charge of the city's industrial promotion programme 2021–2025.",
    ),
    "cokhi": dict(
        full_name="Trần Đức Long",
        title_vi="Giám đốc điều hành",
        title_en="Managing director",
        organisation_vi="Công ty TNHH Cơ khí chính xác Hải An",
        organisation_en="Hai An Precision Engineering Co., Ltd.",
        bio_vi="Hơn 20 năm cung ứng linh kiện cơ khí cho doanh nghiệp FDI.",
        bio_en="Twenty years supplying machined parts to foreign-invested manufacturers.",
    ),
    "so": dict(
        full_name="Lê Minh Tuấn",
        title_vi="Chuyên gia chuyển đổi số",
        title_en="Digital transformation consultant",
        organisation_vi="Hiệp hội Doanh nghiệp Hải Phòng",
        organisation_en="Hai Phong Business Association",
        bio_vi="Tư vấn triển khai MES và nhà máy thông minh cho doanh nghiệp vừa và nhỏ.",
        bio_en="Helps small and medium manufacturers deploy MES and smart-factory tools.",
    ),
    "iatf": dict(
        full_name="Ngô Thanh Hương",
        title_vi="Chuyên gia đánh giá hệ thống chất lượng",
        title_en="Quality systems auditor",
        organisation_vi="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Hải Phòng",
        organisation_en="Hai Phong Centre for Standards, Metrology and Quality",
        bio_vi="Đánh giá viên IATF 16949 và ISO 9001.",
        bio_en="IATF 16949 and ISO 9001 lead auditor.",
    ),
}

CONFERENCE_VI = (
    "Hội nghị đánh giá kết quả thực hiện nhiệm vụ năm 2021 và bàn nhiệm vụ, giải pháp của ngành tại "
    "các địa phương cần tập trung trong năm 2022. Thành phần: Tập thể Lãnh đạo Sở; Trưởng, Phó "
    "phụ trách các phòng chuyên môn; Q. Giám đốc Trung tâm Khuyến công & TVPTCN; đại diện lãnh đạo "
    "UBND các quận, huyện; lãnh đạo các phòng Kinh tế, Kinh tế Hạ tầng các quận, huyện.\n\n"
    "Nội dung:\n"
    "1. Kết quả thực hiện nhiệm vụ năm 2021 (IIP 10 tháng ước tăng 19,22%; tổng mức bán lẻ "
    "hàng hóa và doanh thu dịch vụ 10 tháng ước đạt 125.887,9 tỷ đồng).\n"
    "2. Nhiệm vụ, giải pháp năm 2022: phục hồi ngành Công Thương, phát triển cụm công nghiệp, "
    "chuyển đổi mô hình quản lý chợ, khuyến công giai đoạn 2021–2025.\n"
    "3. Thảo luận, giải đáp đề xuất, kiến nghị của các quận, huyện."
)
CONFERENCE_EN = (
    "Review of 2021 and the tasks and solutions for 2022 in the districts. With the Department's "
    "leadership, heads of its divisions, the Industrial Promotion Centre, and the leaders of the "
    "districts' People's Committees and Economic divisions.\n\n"
    "Items:\n"
    "1. Results of 2021 (industrial production index up an estimated 19.22% over ten months).\n"
    "2. Tasks and solutions for 2022: recovery, industrial clusters, market management, industrial "
    "promotion 2021–2025.\n"
    "3. Discussion: the districts' proposals answered by the Department."
)


def _at(day: int, hour: int, minute: int = 0) -> tuple[int, int, int]:
    """A time on the exhibition's `day`-th day (0: the first), placed when the demo is loaded."""
    return day, hour, minute


def _on(first_day: date, when: tuple[int, int, int]) -> datetime:
    day, hour, minute = when
    return datetime.combine(first_day + timedelta(days=day), time(hour, minute), TZ)


# The workshop's seats: few, so that the demo has a full session whose waiting list can be joined.
WORKSHOP_SEATS = 12
WORKSHOP_WAITING = 3


SESSIONS = [
    dict(
        title_vi="Khai mạc Triển lãm quốc tế về công nghiệp hỗ trợ và chế biến chế tạo",
        title_en="Opening of the International Exhibition on Supporting Industry and Manufacturing",
        type=SessionType.PLENARY, access=SessionAccess.OPEN, room=0, start=_at(0, 9),
        end=_at(0, 10), chairs=["hai"], speakers=[], track=("Khai mạc", "Opening"),
        description_vi="Lễ khai mạc, cắt băng và tham quan các gian hàng.",
        description_en="Opening ceremony, ribbon cutting and a tour of the booths.",
    ),
    dict(
        title_vi="Công nghiệp hỗ trợ ngành cơ khí: cơ hội tham gia chuỗi cung ứng",
        title_en="Supporting industry in engineering: joining the supply chain",
        type=SessionType.SEMINAR, access=SessionAccess.OPEN, room=1, start=_at(0, 10, 30),
        end=_at(0, 12), chairs=[], speakers=["cokhi"], capacity=60,
        track=("Cơ khí", "Engineering"),
        description_vi="Yêu cầu của doanh nghiệp FDI với nhà cung ứng linh kiện trong nước.",
        description_en="What foreign-invested manufacturers ask of local parts suppliers.",
    ),
    dict(
        title_vi="Chuyển đổi số trong sản xuất: từ MES đến nhà máy thông minh",
        title_en="Digital manufacturing: from MES to the smart factory",
        type=SessionType.WORKSHOP, access=SessionAccess.OPEN, room=2, start=_at(1, 10),
        end=_at(1, 11, 30), chairs=[], speakers=["so"], capacity=WORKSHOP_SEATS,
        track=("Chuyển đổi số", "Digital"),
        description_vi="Thực hành: số hóa một dây chuyền nhỏ trong một buổi sáng.",
        description_en="Hands-on: digitising a small line in one morning.",
    ),
    dict(
        title_vi="Hội nghị ngành Công Thương khối quận, huyện trên địa bàn thành phố năm 2021",
        title_en="District-level industry and trade conference of Hai Phong, 2021",
        type=SessionType.CONFERENCE, access=SessionAccess.INVITATION, room=0,
        start=_at(0, 14), end=_at(0, 16, 30), chairs=["hai"], speakers=["khuyencong"],
        track=("Hội nghị", "Conference"),
        description_vi=CONFERENCE_VI, description_en=CONFERENCE_EN,
    ),
    dict(
        title_vi="Kết nối giao thương doanh nghiệp FDI – nhà cung ứng Việt Nam",
        title_en="Business matching: foreign-invested buyers meet Vietnamese suppliers",
        type=SessionType.BUSINESS_MATCHING, access=SessionAccess.APPROVAL, room=3,
        start=_at(1, 9), end=_at(1, 11, 30), chairs=[], speakers=[], capacity=40,
        track=("Kết nối giao thương", "Business matching"),
        description_vi="Gặp gỡ 1-1 theo lịch hẹn; Ban tổ chức duyệt đăng ký.",
        description_en="One-to-one meetings by appointment; the organisers approve sign-ups.",
    ),
    dict(
        title_vi="IATF 16949 cho nhà cung ứng linh kiện ô tô",
        title_en="IATF 16949 for automotive parts suppliers",
        type=SessionType.SEMINAR, access=SessionAccess.OPEN, room=1, start=_at(1, 14),
        end=_at(1, 15, 30), chairs=[], speakers=["iatf"], track=("Chất lượng", "Quality"),
        description_vi="Lộ trình chứng nhận và những lỗi thường gặp khi đánh giá.",
        description_en="The road to certification and the usual audit findings.",
    ),
    dict(
        title_vi="Chương trình khuyến công thành phố Hải Phòng giai đoạn 2021–2025",
        title_en="Hai Phong industrial promotion programme 2021–2025",
        type=SessionType.SEMINAR, access=SessionAccess.OPEN, room=1, start=_at(2, 9),
        end=_at(2, 10, 30), chairs=[], speakers=["khuyencong"],
        track=("Khuyến công", "Industrial promotion"),
        description_vi="Hỗ trợ đổi mới thiết bị, đào tạo và xúc tiến thương mại cho doanh nghiệp.",
        description_en="Support for new equipment, training and trade promotion.",
    ),
]  # fmt: skip

# Districts named in the announcement, then the others of the city (quận: urban, huyện: rural).
DISTRICTS = [
    ("quận", "Kiến An"), ("quận", "Hồng Bàng"), ("quận", "Lê Chân"), ("huyện", "Tiên Lãng"),
    ("quận", "Hải An"), ("huyện", "An Dương"), ("quận", "Ngô Quyền"), ("quận", "Dương Kinh"),
    ("quận", "Đồ Sơn"), ("huyện", "Thủy Nguyên"), ("huyện", "An Lão"), ("huyện", "Kiến Thụy"),
    ("huyện", "Vĩnh Bảo"),
]  # fmt: skip
DELEGATE_NAMES = [
    "Nguyễn Văn Thắng", "Trần Thị Lan", "Phạm Quốc Hùng", "Vũ Thị Hoa", "Đỗ Mạnh Cường",
    "Hoàng Văn Nam", "Lê Thị Mai", "Ngô Đức Anh", "Bùi Thị Hạnh", "Đặng Văn Toàn",
    "Dương Thị Ngọc", "Lý Văn Sơn", "Phan Thị Thủy",
]  # fmt: skip


def seed_programme(*, event: Event, now: datetime | None = None) -> int:
    """Rooms, speakers and published sessions of the demo on its exhibition's days, with seats
    taken and delegates invited before `now`; returns how many sessions were added."""
    if db.session.scalar(sa.select(Room.id).where(Room.event_id == event.id).limit(1)):
        return 0
    now = now or utcnow()
    rooms = [
        save_room(event=event, name_vi=vi, name_en=en, capacity=seats) for vi, en, seats in ROOMS
    ]
    people = {key: save_speaker(event=event, **data) for key, data in SPEAKERS.items()}
    for item in SESSIONS:
        save_session(
            event=event,
            title_vi=item["title_vi"],
            title_en=item["title_en"],
            description_vi=item["description_vi"],
            description_en=item["description_en"],
            type=item["type"],
            access=item["access"],
            track_vi=item["track"][0],
            track_en=item["track"][1],
            capacity=item.get("capacity"),
            room=rooms[item["room"]],
            starts_at=_on(event.first_day, item["start"]),
            ends_at=_on(event.first_day, item["end"]),
            chairs=[people[k] for k in item["chairs"]],
            speakers=[people[k] for k in item["speakers"]],
        )
    publish(event=event)
    _seat_visitors(event, now)
    _invite_delegates(event, now)
    return len(SESSIONS)


def move_programme(*, event: Event, by: timedelta) -> None:
    """Move the event's sessions and its rooms' opening windows by `by` (the demo moved)."""
    for model in (ConferenceSession, RoomWindow):
        where = (
            ConferenceSession.event_id == event.id
            if model is ConferenceSession
            else RoomWindow.room_id.in_(sa.select(Room.id).where(Room.event_id == event.id))
        )
        for item in db.session.scalars(sa.select(model).where(where)):
            if item.starts_at is not None:
                item.starts_at, item.ends_at = item.starts_at + by, item.ends_at + by
    db.session.flush()


def _invite_delegates(event: Event, now: datetime) -> None:
    """The districts' delegates were invited to the conference through the real import two
    weeks ago; most have answered (accepting made their Delegate badges), a few have not."""
    conference = db.session.scalar(
        sa.select(ConferenceSession).where(
            ConferenceSession.event_id == event.id,
            ConferenceSession.access == SessionAccess.INVITATION,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Họ và tên", "Chức vụ", "Đơn vị", "Email", "Điện thoại"])
    for index, ((kind, district), name) in enumerate(zip(DISTRICTS, DELEGATE_NAMES, strict=True)):
        slug = fold(district).replace(" ", "")
        position = "Phó Chủ tịch UBND" if index % 2 == 0 else "Trưởng phòng Kinh tế"
        unit = f"UBND {kind} {district}" if index % 2 == 0 else f"Phòng Kinh tế {kind} {district}"
        writer.writerow(
            [
                name,
                position,
                unit,
                f"{slug}.{index}@example.gov.vn",
                f"09{index:02d}4561{index:02d}",
            ]
        )
    report = import_delegates(
        session=conference,
        data=out.getvalue().encode(),
        filename="dai-bieu.csv",
        now=now - timedelta(days=14),
    )
    assert not report.errors, report.errors  # the demo's own rows are right
    for index, invitation in enumerate(report.invitations):
        answered = now - timedelta(days=12) + index * timedelta(hours=26)  # over ten days
        if index < 9:
            accept(invitation=invitation, now=answered)
        elif index == 9:
            decline(invitation=invitation, now=answered)


def _seat_visitors(event: Event, now: datetime) -> None:
    """Some demo visitors take seats in the open sessions (first come, first served) a little
    after signing up; the workshop fills up and a few wait for a seat."""
    published = [s for s in sessions(event=event) if s.access is not SessionAccess.INVITATION]
    workshop = next(s for s in published if s.capacity == WORKSHOP_SEATS)
    others = [s for s in published if s is not workshop]
    visitors = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.source == RegistrationSource.DEMO)
        .order_by(Registration.id)
        .limit(40)
    ).all()
    for index, person in enumerate(visitors):
        wanted = [others[(index + offset) % len(others)] for offset in (0, 2)]
        if index < WORKSHOP_SEATS + WORKSHOP_WAITING:
            wanted.insert(0, workshop)  # the last few join its waiting list
        for session in wanted:
            try:
                book(
                    session=session,
                    registration=person,
                    now=min(person.created_at + timedelta(hours=2), now),
                )
            except (SessionOverlap, SessionClosed):  # taken that hour, or over (a demo of today)
                continue
