"""Leads are deleted the set number of days after the exhibition by `flask purge-personal-data`,
and exhibitors are reminded by e-mail 14 and 3 days before, once each."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry
from exhibition.events.services import get_event
from exhibition.exhibitors import lead_retention
from exhibition.exhibitors.lead_models import (
    Lead,
    LeadAnswer,
    LeadNote,
    LeadQuestion,
    LeadScan,
    LeadScanner,
)
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.mail.models import MessageKind, OutboxMessage
from exhibition.mail.worker import run as run_worker
from exhibition.visitors.models import Registration
from tests.conftest import use_smtp


def _end(app, slug: str, *, days_ago: int) -> None:
    """Move the exhibition into the past: it ended `days_ago` days ago (people signed up before)."""
    now = datetime.now(UTC)
    with app.app_context():
        event = get_event(slug=slug)
        event.starts_at = now - timedelta(days=days_ago + 2)
        event.ends_at = now - timedelta(days=days_ago)
        event.registration_opens_at = now - timedelta(days=days_ago + 40)
        event.registration_closes_at = now - timedelta(days=days_ago + 3)
        db.session.commit()


def _with_leads(app, slug: str, exhibitor_ids: list[int], registration_ids: list[int], days: int):
    """Leads of every given exhibitor with every given visitor, each with a scan, a note and an
    answer; the event keeps leads `days` days."""
    with app.app_context():
        event = get_event(slug=slug)
        event.lead_retention_days = days
        for exhibitor_id in exhibitor_ids:
            exhibitor = db.session.get(Exhibitor, exhibitor_id)
            exhibitor.leads_enabled = True
            scanner = LeadScanner(exhibitor=exhibitor, name="Quầy 1", token_hash=None)
            question = LeadQuestion(exhibitor=exhibitor, text_vi="Nhu cầu?")
            for number, registration_id in enumerate(registration_ids):
                when = event.starts_at + timedelta(hours=1 + number)
                lead = Lead(
                    event=event,
                    exhibitor=exhibitor,
                    registration=db.session.get(Registration, registration_id),
                    first_scanned_at=when,
                    last_scanned_at=when,
                )
                lead.scans.append(
                    LeadScan(scanner=scanner, nonce=f"{exhibitor_id}-{number}", scanned_at=when)
                )
                lead.notes.append(LeadNote(scanner=scanner, text="Gọi lại"))
                lead.answers.append(LeadAnswer(question=question, answer="Khuôn mẫu"))
                db.session.add(lead)
        db.session.commit()


def _counts(app) -> dict:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Lead, LeadScan, LeadNote, LeadAnswer)
        }


def test_purge_deletes_leads_past_retention_counts_on_a_dry_run_and_is_audited(
    app, runner, make_event, make_visitor, make_exhibitor
):
    make_event(slug="expo-old")
    make_event(slug="expo-2026")
    old_people = [make_visitor(slug="expo-old")["id"] for _ in range(2)]
    new_people = [make_visitor(slug="expo-2026")["id"]]
    old_exhibitor = make_exhibitor(slug="expo-old")
    new_exhibitor = make_exhibitor(slug="expo-2026")
    _end(app, "expo-old", days_ago=40)
    _with_leads(app, "expo-old", [old_exhibitor], old_people, days=30)
    _with_leads(app, "expo-2026", [new_exhibitor], new_people, days=30)
    before = _counts(app)
    assert before == {"leads": 3, "lead_scans": 3, "lead_notes": 3, "lead_answers": 3}

    dry = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        "No exhibition is past its retention period.\nexpo-old\t2 lead(s) would be deleted\n"
    )
    assert _counts(app) == before

    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "No exhibition is past its retention period.\nexpo-old\t2 lead(s) deleted\n"
    )
    assert _counts(app) == {"leads": 1, "lead_scans": 1, "lead_notes": 1, "lead_answers": 1}
    with app.app_context():
        (kept,) = db.session.scalars(sa.select(Lead)).all()
        assert kept.exhibitor_id == new_exhibitor
        log = db.session.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.details)
        ).all()
        assert log == [("command line", "leads.purged", {"leads": 2, "days": 30})]
        # The scanners and questions are the exhibitor's own, not visitors' data: they stay.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadScanner)) == 2
    again = runner.invoke(args=["purge-personal-data"])
    assert again.output == "No exhibition is past its retention period.\n"


def test_leads_are_kept_through_the_last_day_of_retention(
    app, make_event, make_visitor, make_exhibitor
):
    make_event(slug="expo-old")
    exhibitor, person = make_exhibitor(slug="expo-old"), make_visitor(slug="expo-old")["id"]
    _end(app, "expo-old", days_ago=40)
    _with_leads(app, "expo-old", [exhibitor], [person], days=30)
    with app.app_context():
        event = get_event(slug="expo-old")
        last_kept = datetime.combine(
            event.last_day + timedelta(days=30), datetime.max.time(), tzinfo=event.tz
        )
        assert lead_retention.purge_leads(now=last_kept) == []
        first_gone = last_kept + timedelta(microseconds=1)
        assert [(e.slug, n) for e, n in lead_retention.purge_leads(now=first_gone)] == [
            ("expo-old", 1)
        ]
        db.session.commit()
    assert _counts(app)["leads"] == 0


def _at(event, days_before: int) -> datetime:
    """Noon in the exhibition's zone, `days_before` days before the leads are deleted."""
    day = lead_retention.deletion_day(event) - timedelta(days=days_before)
    return datetime.combine(day, datetime.min.time(), tzinfo=event.tz) + timedelta(hours=12)


@pytest.fixture
def reminded(app, make_event, make_visitor, make_exhibitor):
    """An exhibition that ended 10 days ago keeping leads 30 days, two exhibitors with leads
    (one English-speaking, one with HTML in its name) and one without."""
    make_event(slug="expo-old")
    people = [make_visitor(slug="expo-old")["id"] for _ in range(3)]
    vi = make_exhibitor(
        slug="expo-old", company_name_vi="Công ty <b>Hải An</b>", contact_name="Lê Văn Hải"
    )
    en = make_exhibitor(
        slug="expo-old",
        company_name_vi="Công ty Đông Á",
        company_name_en="Dong A Co.",
        contact_name="Jane Smith",
        contact_email="jane@example.com",
        contact_language="en",
    )
    make_exhibitor(slug="expo-old", contact_email="none@example.com")
    _end(app, "expo-old", days_ago=10)
    _with_leads(app, "expo-old", [vi], people, days=30)
    _with_leads(app, "expo-old", [en], people[:1], days=30)
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))  # the application e-mails
        db.session.commit()
    return {"vi": vi, "en": en}


def _reminders(app) -> list[tuple[str, str]]:
    with app.app_context():
        return db.session.execute(
            sa.select(OutboxMessage.to_address, OutboxMessage.subject)
            .where(OutboxMessage.kind == MessageKind.LEAD_REMINDER)
            .order_by(OutboxMessage.id)
        ).all()


def test_reminders_go_14_and_3_days_before_once_each_by_real_smtp(app, reminded, smtp_server):
    use_smtp(app, smtp_server)
    with app.app_context():
        event = get_event(slug="expo-old")
        deletion = lead_retention.deletion_day(event)
        at = {days: _at(event, days) for days in (15, 14, 5, 3, 1, 0)}
        assert lead_retention.run_due(now=at[15]) == {"14": 0, "3": 0}
        assert lead_retention.run_due(now=at[14]) == {"14": 2, "3": 0}
        assert lead_retention.run_due(now=at[14]) == {"14": 0, "3": 0}
        assert lead_retention.run_due(now=at[5]) == {"14": 0, "3": 0}
    assert len(_reminders(app)) == 2
    run_worker(app, once=True)
    messages = smtp_server.wait_for(2)
    by_address = {m["To"]: m for m in messages}
    assert set(by_address) == {"contact1@example.com", "jane@example.com"}
    english = by_address["jane@example.com"]
    assert english["Subject"] == (
        "Your leads of Supporting Industry Expo 2026 will be deleted in 14 days"
    )
    text = english.get_body(("plain",)).get_content()
    assert text.startswith("Dear Jane Smith,")
    assert (
        "The 1 lead that the booth scanners of Dong A Co. collected at Supporting Industry Expo "
        f"2026 will be deleted on {deletion.day} {deletion:%B} {deletion.year}"
    ) in text
    vietnamese = by_address["contact1@example.com"]
    body = vietnamese.get_body(("plain",)).get_content()
    assert body.startswith("Kính gửi Ông/Bà Lê Văn Hải,")
    assert (
        "3 khách hàng tiềm năng mà thiết bị quét tại gian hàng của Công ty <b>Hải An</b> thu thập"
    ) in body
    html = vietnamese.get_body(("html",)).get_content()
    assert "Công ty &lt;b&gt;Hải An&lt;/b&gt;" in html and "<b>Hải An</b>" not in html

    with app.app_context():
        assert lead_retention.run_due(now=at[3]) == {"14": 0, "3": 2}
        assert lead_retention.run_due(now=at[1]) == {"14": 0, "3": 0}
        assert lead_retention.run_due(now=at[0]) == {"14": 0, "3": 0}
    run_worker(app, once=True)
    messages = smtp_server.wait_for(4)
    assert sorted(m["Subject"] for m in messages[2:]) == [
        "Thông tin khách hàng tiềm năng tại Triển lãm Công nghiệp hỗ trợ 2026 sẽ bị xóa sau 3 ngày",
        "Your leads of Supporting Industry Expo 2026 will be deleted in 3 days",
    ]
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, reminded["vi"])
        assert exhibitor.leads_reminded_14_at is not None
        assert exhibitor.leads_reminded_3_at is not None


def test_a_job_first_run_late_sends_only_the_3_day_reminder(app, reminded):
    with app.app_context():
        at = {2: _at(get_event(slug="expo-old"), 2)}
        assert lead_retention.run_due(now=at[2]) == {"14": 0, "3": 2}
        assert lead_retention.run_due(now=at[2]) == {"14": 0, "3": 0}
    assert sorted(subject[-6:] for _to, subject in _reminders(app)) == ["3 days", "3 ngày"]


def test_lead_reminders_command_and_the_serve_thread_send_once(app, runner, reminded):
    # The exhibition ended 10 days ago and keeps leads 30: deleted in 21 days, no reminder yet.
    with app.app_context():
        event = get_event(slug="expo-old")
        event.lead_retention_days = 20  # deleted in 11 days: the 14-day reminder is due
        db.session.commit()
    thread, stop = lead_retention.start_in_thread(app, interval=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(_reminders(app)) < 2:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and thread.name == "lead-reminders"
    result = runner.invoke(args=["lead-reminders"])
    assert result.exit_code == 0, result.output
    assert result.output == "14-day reminders: 0. 3-day reminders: 0.\n"
    assert len(_reminders(app)) == 2


def test_lead_reminders_command_sends_what_is_due(app, runner, reminded):
    with app.app_context():
        get_event(slug="expo-old").lead_retention_days = 11  # deleted in 2 days
        db.session.commit()
    result = runner.invoke(args=["lead-reminders"])
    assert result.output == "14-day reminders: 0. 3-day reminders: 2.\n"
