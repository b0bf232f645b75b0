"""Factories for business matching: a session of the exhibition, and listed participants."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exhibition.extensions import db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day, hour: int, minute: int = 0) -> datetime:
    """`day` (a date) at hour:minute in Viet Nam, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI).astimezone(UTC)


@pytest.fixture
def make_meeting_session(app):
    """A matchmaking session on the exhibition's first day, 08:30–11:30, 20-minute slots, 5
    minutes between; booking open from yesterday to its start. Returns its id."""
    from exhibition.events.services import get_event
    from exhibition.matchmaking.models import Mode, Sides
    from exhibition.matchmaking.sessions import SessionData, save_session

    def factory(slug="expo-2026", **overrides):
        with app.app_context():
            event = get_event(slug=slug)
            day = event.starts_at.astimezone(HANOI).date()
            fields = dict(
                name_vi="Kết nối giao thương buổi sáng",
                name_en="Morning business matching",
                starts_at=local(day, 8, 30),
                ends_at=local(day, 11, 30),
                slot_minutes=20,
                buffer_minutes=5,
                mode=Mode.SELF,
                sides=Sides.BUYER_SUPPLIER,
                booking_opens_at=datetime.now(UTC) - timedelta(days=1),
                booking_closes_at=local(day, 8, 30),
                request_ttl_minutes=48 * 60,
                room_vi="Phòng họp B",
                room_en="Meeting room B",
                table_count=5,
            )
            fields.update(overrides)
            session = save_session(event=event, data=SessionData(**fields), user=None)
            db.session.commit()
            return session.id

    return factory


@pytest.fixture
def make_participant(app, make_visitor):
    """A registered person listed for matching; returns the participant's id."""
    from exhibition.matchmaking.models import Side
    from exhibition.matchmaking.participants import Profile, join
    from exhibition.visitors.models import Registration

    def factory(side="supplier", company=None, limit=12, sectors=("mechanical",), **visitor):
        key = make_visitor(**visitor)
        with app.app_context():
            registration = db.session.get(Registration, key["id"])
            # They opened the link of their confirmation e-mail: their address is proven.
            registration.email_verified_at = datetime.now(UTC)
            participant = join(
                registration=registration,
                profile=Profile(
                    side=Side(side),
                    company=company if company is not None else f"Công ty {key['id']}",
                    offer="Gia công cơ khí chính xác",
                    sector_codes=tuple(sectors),
                    meeting_limit=limit,
                ),
            )
            db.session.commit()
            return participant.id

    return factory


def get(model, id_):
    return db.session.get(model, id_)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
