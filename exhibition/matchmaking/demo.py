"""The demo exhibition's business matching: a morning session scheduled by the organisers (30
buyers, 60 suppliers, 20 tables and three exhibitors receiving at their booths; requests in every
state and a published schedule) and an afternoon session where people book their own meetings."""

import random
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..exhibitors.portal import StaffData, add_staff, staff
from ..extensions import db
from ..text import fold
from ..visitors.models import Registration, RegistrationSource, VisitorCategory
from ..visitors.services import Consents, VisitorData, register_visitor
from . import requests, scheduling
from .availability import slots_ahead
from .models import (
    Absence,
    Hold,
    Meeting,
    MeetingRequest,
    MeetingSession,
    Mode,
    Participant,
    PlaceUse,
    Proposal,
    Side,
    Sides,
)
from .participants import Profile, join
from .sessions import SessionData, save_session, set_booth_host

# Buyers: manufacturers and purchasing teams of foreign-invested companies (names made up).
BUYERS = [
    ("Công ty TNHH Điện tử Minato Việt Nam", "electronics"),
    ("Công ty TNHH Linh kiện Ô tô Sakae Hải Phòng", "automotive"),
    ("Công ty TNHH Thiết bị Gia dụng Hanul Vina", "electronics"),
    ("Công ty TNHH Cơ khí Chính xác Kotobuki Việt Nam", "mechanical"),
    ("Công ty TNHH Nhựa Kỹ thuật Daehan Vina", "plastics"),
    ("Công ty TNHH Quang học Sunrise Việt Nam", "electronics"),
    ("Công ty TNHH Giày Thể thao Everstep Việt Nam", "leather"),
    ("Công ty TNHH Máy Nông nghiệp Hokuto Việt Nam", "mechanical"),
    ("Công ty TNHH Dây cáp Điện Taesung Vina", "electronics"),
    ("Công ty TNHH Khuôn mẫu Fujimi Việt Nam", "moulds"),
]
BUYER_JOBS = ["Trưởng phòng Mua hàng", "Chuyên viên Phát triển nhà cung cấp", "Giám đốc Nhà máy"]
# Local suppliers who came as visitors (exhibitors' staff supply too).
SUPPLIERS = [
    ("Công ty TNHH Cơ khí", "mechanical", "Gia công tiện, phay CNC theo bản vẽ"),
    ("Công ty CP Nhựa", "plastics", "Ép nhựa chi tiết kỹ thuật"),
    ("Công ty TNHH Điện tử", "electronics", "Lắp ráp bo mạch, dây điện"),
    ("Công ty TNHH Khuôn mẫu", "moulds", "Thiết kế và chế tạo khuôn dập"),
    ("Công ty CP Cao su", "plastics", "Gioăng, đệm cao su kỹ thuật"),
    ("Công ty TNHH Bao bì", "packaging", "Thùng carton, khay định hình"),
    ("Công ty TNHH Phụ tùng Xe máy", "automotive", "Chi tiết dập, hàn cho xe máy"),
    ("Công ty TNHH Da giày", "leather", "Mũ giày, đế giày"),
]
PLACES = ["An Dương", "Thủy Nguyên", "Vĩnh Bảo", "Kiến Thụy", "Tiên Lãng", "An Lão", "Đồ Sơn"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = ["Anh", "Bình", "Cường", "Dung", "Giang", "Hải", "Khánh", "Linh", "Nam", "Phương", "Quân", "Trang"]  # fmt: skip
BUYER_COUNT, SUPPLIER_COUNT, TABLES = 30, 60, 20


def _local(event: Event, day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=event.tz)


def _person(event, category, rng, index: int, organisation: str, sector: str, job: str, now):
    name = f"{rng.choice(SURNAMES)} {rng.choice(['Văn', 'Thị', 'Minh', 'Đức'])} {rng.choice(GIVEN)}"
    registration, _ = register_visitor(
        event=event,
        data=VisitorData(
            full_name=name,
            email=f"{fold(name).replace(' ', '.')}.kn{index}@example.com",
            phone=f"+8491{rng.randint(1000000, 9999999)}",
            category_id=category.id,
            organisation=organisation,
            job_title=job,
            province_code="HP",
            sector_codes=[sector],
        ),
        consents=Consents(processing=True),
        source=RegistrationSource.DEMO,
        public_only=False,
        check_window=False,
        now=now - timedelta(days=10),
    )
    return registration


def _listed(registration: Registration, side: Side, company: str, sector: str, offer: str, now):
    return join(
        registration=registration,
        profile=Profile(
            side=side,
            company=company,
            offer=offer,
            sector_codes=(sector,),
            meeting_limit=8 if side is Side.BUYER else 6,
        ),
        now=now - timedelta(days=9),
    )


def _suppliers_from_exhibitors(event: Event, rng, now) -> tuple[list[Participant], list]:
    """Two staff of each exhibitor with a booth, listed as suppliers."""
    people, exhibitors = [], []
    for exhibitor in db.session.scalars(
        sa.select(Exhibitor)
        .where(
            Exhibitor.event_id == event.id,
            Exhibitor.status.in_([ExhibitorStatus.CONFIRMED, ExhibitorStatus.BOOTH_ASSIGNED]),
        )
        .order_by(Exhibitor.id)
    ):
        exhibitors.append(exhibitor)
        team = staff(exhibitor=exhibitor)
        while len(team) < 2:
            name = f"{rng.choice(SURNAMES)} {rng.choice(['Văn', 'Thị'])} {rng.choice(GIVEN)}"
            add_staff(
                exhibitor=exhibitor,
                data=StaffData(
                    full_name=name,
                    email=f"{fold(name).replace(' ', '.')}.gh{exhibitor.id}{len(team)}@example.com",
                    phone=f"+8498{rng.randint(1000000, 9999999)}",
                    job_title="Nhân viên kinh doanh",
                ),
            )
            team = staff(exhibitor=exhibitor)
        sector = exhibitor.sectors[0].code if exhibitor.sectors else "mechanical"
        for registration in team[:2]:
            people.append(
                _listed(
                    registration,
                    Side.SUPPLIER,
                    exhibitor.company_name_vi,
                    sector,
                    exhibitor.main_products,
                    now,
                )
            )
    return people, exhibitors


def seed_matchmaking(*, event: Event, now: datetime | None = None) -> int:
    """Load the demo's business matching once (nothing when the exhibition has a session)."""
    if db.session.scalar(
        sa.select(MeetingSession.id).where(MeetingSession.event_id == event.id).limit(1)
    ):
        return 0
    now = now or utcnow()
    rng = random.Random(2611)
    category = db.session.scalar(
        sa.select(VisitorCategory).where(
            VisitorCategory.event_id == event.id, VisitorCategory.code == "trade"
        )
    )
    day = event.first_day
    morning = save_session(
        event=event,
        data=SessionData(
            name_vi="Kết nối giao thương: doanh nghiệp FDI và nhà cung cấp",
            name_en="Business matching: FDI buyers and local suppliers",
            starts_at=_local(event, day, 8, 30),
            ends_at=_local(event, day, 11, 30),
            slot_minutes=20,
            buffer_minutes=5,
            mode=Mode.ORGANISER,
            sides=Sides.BUYER_SUPPLIER,
            booking_opens_at=now - timedelta(days=14),
            booking_closes_at=_local(event, day, 8, 30) - timedelta(days=1),
            request_ttl_minutes=3 * 24 * 60,
            room_vi="Phòng kết nối giao thương, tầng 2",
            room_en="Business matching room, 2nd floor",
            table_count=TABLES,
        ),
        user=None,
    )
    afternoon = save_session(
        event=event,
        data=SessionData(
            name_vi="Gặp gỡ tự do buổi chiều",
            name_en="Open afternoon meetings",
            starts_at=_local(event, day, 14, 0),
            ends_at=_local(event, day, 16, 0),
            slot_minutes=15,
            buffer_minutes=5,
            mode=Mode.SELF,
            sides=Sides.BUYER_SUPPLIER,
            booking_opens_at=now - timedelta(days=14),
            booking_closes_at=_local(event, day, 14, 0),
            request_ttl_minutes=2 * 24 * 60,
            room_vi="Phòng kết nối giao thương, tầng 2",
            room_en="Business matching room, 2nd floor",
            table_count=10,
        ),
        user=None,
    )
    buyers = []
    for index in range(BUYER_COUNT):
        company, sector = BUYERS[index % len(BUYERS)]
        registration = _person(
            event, category, rng, index, company, sector, rng.choice(BUYER_JOBS), now
        )
        buyer = _listed(
            registration, Side.BUYER, company, sector, "Tìm nhà cung cấp trong nước", now
        )
        buyer.hosted = index < 10
        buyers.append(buyer)
    suppliers, exhibitors = _suppliers_from_exhibitors(event, rng, now)
    for index in range(SUPPLIER_COUNT - len(suppliers)):
        kind, sector, offer = SUPPLIERS[index % len(SUPPLIERS)]
        company = f"{kind} {PLACES[index // len(SUPPLIERS) % len(PLACES)]}"
        registration = _person(event, category, rng, 100 + index, company, sector, "Giám đốc", now)
        suppliers.append(_listed(registration, Side.SUPPLIER, company, sector, offer, now))
    for exhibitor in exhibitors[:3]:  # three exhibitors receive buyers at their booths
        reps = [r.id for r in staff(exhibitor=exhibitor)[:2]]
        set_booth_host(session=morning, exhibitor=exhibitor, registration_ids=reps, user=None)
    db.session.flush()
    _morning_requests(morning, buyers, suppliers, rng, now)
    scheduling.run(session=morning, user=None)
    scheduling.publish(session=morning, user=None)
    _cancel_one(morning, now)
    _afternoon_requests(afternoon, buyers, suppliers, rng, now)
    db.session.flush()
    return 1


def _ask(session, a, b, *, now, must_meet=False, starts=None, message=""):
    return requests.request_meeting(
        session=session,
        requester=a,
        recipient=b,
        message=message or "Chúng tôi muốn tìm hiểu năng lực sản xuất của quý công ty.",
        starts=starts,
        must_meet=must_meet,
        now=now,
    ).request


def _morning_requests(session, buyers, suppliers, rng, now) -> None:
    """Agreed pairs (must-meet pairs of the hosted buyers first), and requests in every state,
    asked while booking was open (also when the demo is loaded on the day itself)."""
    now = min(now, session.booking_closes_at - timedelta(hours=1))
    asked_at = now - timedelta(days=5)
    pairs = set()
    for buyer in buyers:
        wanted = rng.sample(suppliers, k=5 if buyer.hosted else 3)
        for position, supplier in enumerate(wanted):
            pairs.add((buyer.id, supplier.id))
            request = _ask(
                session, buyer, supplier, now=asked_at, must_meet=buyer.hosted and position < 2
            )
            requests.accept(
                request=request, participant=supplier, now=asked_at + timedelta(hours=3)
            )
    others = [(b, s) for b in buyers for s in suppliers if (b.id, s.id) not in pairs]
    rng.shuffle(others)
    pending, declined, withdrawn, lapsed = others[:8], others[8:13], others[13:16], others[16:20]
    for buyer, supplier in pending:
        _ask(session, supplier, buyer, now=now - timedelta(hours=5))
    for buyer, supplier in declined:
        request = _ask(session, supplier, buyer, now=asked_at)
        requests.decline(
            request=request,
            participant=buyer,
            answer="Cảm ơn quý công ty, hiện chúng tôi đã có đủ nhà cung cấp mặt hàng này.",
            now=asked_at + timedelta(days=1),
        )
    for buyer, supplier in withdrawn:
        requests.withdraw(
            request=_ask(session, supplier, buyer, now=asked_at),
            participant=supplier,
            now=asked_at + timedelta(hours=2),
        )
    for buyer, supplier in lapsed:
        _ask(session, supplier, buyer, now=now - timedelta(days=4))
    requests.expire_due(now=now, commit=False)


def _cancel_one(session, now) -> None:
    """One published meeting called off by its supplier, as happens."""
    meeting = db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.session_id == session.id, Meeting.starts_at > now)
        .order_by(Meeting.starts_at.desc(), Meeting.id)
        .limit(1)
    )
    if meeting is not None:
        supplier = meeting.a if meeting.a.side is Side.SUPPLIER else meeting.b
        requests.cancel_meeting(meeting=meeting, participant=supplier, now=now)


def _afternoon_requests(session, buyers, suppliers, rng, now) -> None:
    """A few meetings booked by the people themselves, and proposals awaiting an answer."""
    starts = slots_ahead(session, now)
    if not starts or now >= session.booking_closes_at:
        return  # loaded on the day, after the session: nothing can be booked any more
    for n, (buyer, supplier) in enumerate(zip(buyers[10:22], suppliers[20:32], strict=True)):
        request = _ask(session, buyer, supplier, now=now, starts=[starts[n % len(starts)]])
        if n < 8:
            requests.accept(request=request, participant=supplier, now=now)


def move_matchmaking(*, event: Event, by: timedelta) -> None:
    """Move the exhibition's business matching with the demo (`seed-demo --today`)."""
    ids = sa.select(MeetingSession.id).where(MeetingSession.event_id == event.id)
    people = sa.select(Participant.id).where(Participant.event_id == event.id)
    requests_of = sa.select(MeetingRequest.id).where(MeetingRequest.session_id.in_(ids))
    for model, where, columns in (
        (MeetingSession, MeetingSession.event_id == event.id, ("starts_at", "ends_at", "booking_closes_at")),
        (Meeting, Meeting.session_id.in_(ids), ("starts_at", "ends_at")),
        (PlaceUse, PlaceUse.session_id.in_(ids), ("starts_at",)),
        (Hold, Hold.participant_id.in_(people), ("starts_at",)),
        (Absence, Absence.participant_id.in_(people), ("starts_at",)),
        (Proposal, Proposal.request_id.in_(requests_of), ("starts_at",)),
    ):  # fmt: skip
        for item in db.session.scalars(sa.select(model).where(where)):
            for column in columns:
                setattr(item, column, getattr(item, column) + by)
    db.session.flush()
