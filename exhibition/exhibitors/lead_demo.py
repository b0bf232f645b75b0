"""The demo exhibition's lead retrieval: three exhibitors with booth scanners (one phone revoked,
one that scanned many codes that were no badge's, which raises the organisers' alert), qualifying
questions, and leads in every state: shared by the sign-up consent, shared by the visitor on the
spot, anonymous visits, with notes, answers, ratings and tags; the next confirmed exhibitor has no
lead retrieval. Rows are written directly, dated on the exhibition's first day (moved with it)."""

import hashlib
import random
import secrets
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..visitors.models import Registration, RegistrationSource, RegistrationStatus
from .lead_models import (
    Lead,
    LeadAnswer,
    LeadNote,
    LeadQuestion,
    LeadRating,
    LeadScan,
    LeadScanner,
    ShareSource,
)
from .leads import consents_to_share, fill
from .models import Exhibitor, ExhibitorStatus

QUESTIONS = [
    (
        "Quý khách quan tâm nhóm sản phẩm nào?",
        "Which products are you interested in?",
        ["Chi tiết gia công CNC", "Khuôn mẫu", "Linh kiện lắp ráp", "Khác"],
    ),
    (
        "Dự kiến đặt hàng khi nào?",
        "When do you expect to order?",
        ["Trong 3 tháng", "Trong 6 tháng", "Trong năm nay", "Chưa có kế hoạch"],
    ),
    ("Sản lượng dự kiến mỗi tháng?", "Expected monthly volume?", []),
]
NOTES = [
    "Cần báo giá 5.000 chi tiết/tháng, gửi bản vẽ qua e-mail.",
    "Đang tìm nhà cung cấp thay thế, hẹn thăm nhà máy tuần sau.",
    "Quan tâm chứng nhận IATF 16949.",
    "Đã gửi catalogue; gọi lại sau triển lãm.",
]
TAGS = [["báo giá"], ["FDI", "thăm nhà máy"], ["đại lý"], []]
SCANNERS = ["Điện thoại quầy 1", "Điện thoại quầy 2", "Máy tính bảng lễ tân"]
ENABLED = 3  # exhibitors with lead retrieval; the next confirmed one has none


def _hash() -> str:
    """The hash of a token nobody holds: demo phones are set up again from the portal."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def _exhibitors(event: Event) -> list[Exhibitor]:
    return list(
        db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.event_id == event.id, Exhibitor.status == ExhibitorStatus.CONFIRMED)
            .order_by(Exhibitor.id)
        )
    )


def _visitors(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.source == RegistrationSource.DEMO,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.exhibitor_id.is_(None),
                Registration.erased_at.is_(None),
            )
            .order_by(Registration.id)
        )
    )


def seed_leads(*, event: Event, now: datetime | None = None) -> int:
    """Load the demo's lead retrieval once (nothing when an exhibitor of it has a scanner);
    returns how many leads were made."""
    exhibitors = _exhibitors(event)
    ids = [exhibitor.id for exhibitor in exhibitors]
    if not ids or db.session.scalar(
        sa.select(LeadScanner.id).where(LeadScanner.exhibitor_id.in_(ids)).limit(1)
    ):
        return 0
    visitors = _visitors(event)
    if not visitors:
        return 0
    now = now or utcnow()
    rng = random.Random(1811)
    opening = datetime.combine(event.first_day, time(9, 0), tzinfo=event.tz)
    made = 0
    for index, exhibitor in enumerate(exhibitors[:ENABLED]):
        exhibitor.leads_enabled = True
        scanners = _scanners(exhibitor, index, opening)
        questions = _questions(exhibitor) if index < 2 else []
        for number, registration in enumerate(rng.sample(visitors, k=min(12, len(visitors)))):
            first = opening + timedelta(minutes=15 * number + rng.randint(0, 10))
            lead = Lead(
                event=event,
                exhibitor=exhibitor,
                registration=registration,
                first_scanned_at=first,
                last_scanned_at=first,
                created_at=first,
            )
            db.session.add(lead)
            live = [s for s in scanners if s.revoked_at is None] or scanners
            visits = 2 if number % 5 == 0 else 1
            for visit in range(visits):
                scanned = first + timedelta(hours=3 * visit)
                lead.last_scanned_at = scanned
                lead.scans.append(
                    LeadScan(
                        scanner=live[(number + visit) % len(live)],
                        nonce=secrets.token_hex(16),
                        scanned_at=scanned,
                        received_at=scanned + timedelta(seconds=2 if visit else 1),
                        offline=number % 4 == 3,
                    )
                )
            if consents_to_share(registration):
                fill(lead=lead, source=ShareSource.CONSENT, now=first)
            elif number % 3 == 0:  # shared from "my registration" after the scan
                fill(lead=lead, source=ShareSource.VISITOR, now=first + timedelta(minutes=4))
            # otherwise an anonymous visit: times and scanners only
            if lead.is_shared and number % 2 == 0:
                _qualify(lead, scanners[0], questions, rng, number, first)
            made += 1
    db.session.flush()
    return made


def _scanners(exhibitor: Exhibitor, index: int, opening: datetime) -> list[LeadScanner]:
    scanners = []
    for number, name in enumerate(SCANNERS[: 2 if index else 3]):
        scanner = LeadScanner(
            exhibitor=exhibitor,
            name=name,
            token_hash=_hash(),
            created_at=opening - timedelta(days=2),
            last_seen_at=opening + timedelta(hours=6),
        )
        if index == 0 and number == 2:  # a tablet that was lost: revoked before the opening
            scanner.revoked_at = opening - timedelta(hours=1)
            scanner.last_seen_at = opening - timedelta(days=1)
        if index == 1 and number == 1:  # scanned many codes that were no badge's: the alert
            scanner.invalid_scans = 37
            scanner.last_invalid_at = opening + timedelta(hours=2)
        db.session.add(scanner)
        scanners.append(scanner)
    return scanners


def _questions(exhibitor: Exhibitor) -> list[LeadQuestion]:
    questions = []
    for position, (text_vi, text_en, choices) in enumerate(QUESTIONS):
        question = LeadQuestion(
            exhibitor=exhibitor,
            position=position,
            text_vi=text_vi,
            text_en=text_en,
            choices=choices,
        )
        db.session.add(question)
        questions.append(question)
    return questions


def _qualify(lead, scanner, questions, rng, number: int, when: datetime) -> None:
    """A note, a rating, tags and answers, as a scanner writes them after a talk."""
    lead.notes.append(LeadNote(scanner=scanner, text=NOTES[number % len(NOTES)], created_at=when))
    lead.rating = [LeadRating.HOT, LeadRating.WARM, LeadRating.COLD][number % 3]
    lead.tags = TAGS[number % len(TAGS)]
    lead.version = 2
    for question in questions:
        answer = rng.choice(question.choices) if question.choices else f"{rng.randint(1, 20)}.000"
        lead.answers.append(LeadAnswer(question=question, answer=answer))


def move_leads(*, event: Event, by: timedelta) -> None:
    """Move the exhibition's leads with the demo (`seed-demo --today`)."""
    leads = sa.select(Lead.id).where(Lead.event_id == event.id)
    exhibitors = sa.select(Exhibitor.id).where(Exhibitor.event_id == event.id)
    for model, where, columns in (
        (Lead, Lead.event_id == event.id, ("first_scanned_at", "last_scanned_at", "shared_at", "created_at")),
        (LeadScan, LeadScan.lead_id.in_(leads), ("scanned_at", "received_at")),
        (LeadNote, LeadNote.lead_id.in_(leads), ("created_at",)),
        (LeadScanner, LeadScanner.exhibitor_id.in_(exhibitors), ("created_at", "last_seen_at", "revoked_at", "last_invalid_at")),
    ):  # fmt: skip
        for item in db.session.scalars(sa.select(model).where(where)):
            for column in columns:
                value = getattr(item, column)
                if value is not None:
                    setattr(item, column, value + by)
    db.session.flush()
