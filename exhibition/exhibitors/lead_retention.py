"""Leads are kept Event.lead_retention_days after the exhibition's last day, then deleted by
`flask purge-personal-data` (visits, scans, notes and answers with them). Each exhibitor that
has leads is told by e-mail 14 and 3 days before, once each: the reminder is claimed by a
conditional update of Exhibitor.leads_reminded_14_at / leads_reminded_3_at in the transaction
that queues it, so a rerun, or cron and the thread of `flask serve` at once, send nothing twice.
The reminders run as a periodic job (`flask lead-reminders`, and in `flask serve`)."""

import threading
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..mail import worker
from ..mail.models import MessageKind
from ..mail.services import queue_email
from ..urls import public_url
from .lead_models import Lead, LeadAnswer, LeadNote, LeadScan
from .models import Exhibitor

REMINDERS = (14, 3)  # days before the deletion, the most urgent last
INTERVAL = 3600.0  # seconds between runs of the job: the reminders are counted in days


def deletion_day(event: Event) -> date:
    """The first day (in the exhibition's zone) on which the leads are deleted: the day after the
    last day of the exhibition plus its retention days (as visitors.erasure.retention_over)."""
    return event.last_day + timedelta(days=event.lead_retention_days + 1)


def _today(event: Event, now: datetime) -> date:
    return now.astimezone(event.tz).date()


def _lead_ids(event: Event):
    return sa.select(Lead.id).where(Lead.event_id == event.id)


def purge_leads(*, now: datetime | None = None, dry_run: bool = False) -> list[tuple[Event, int]]:
    """Delete the leads of every exhibition whose lead retention is over. Returns (event, how
    many leads were, or with `dry_run` would be, deleted) for each exhibition that had some."""
    now = now or utcnow()
    results = []
    events = db.session.scalars(
        sa.select(Event)
        .where(sa.exists().where(Lead.event_id == Event.id))
        .order_by(Event.ends_at, Event.id)
    ).all()
    for event in events:
        if _today(event, now) < deletion_day(event):
            continue
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Lead).where(Lead.event_id == event.id)
        )
        results.append((event, count))
        if dry_run:
            continue
        for model in (LeadScan, LeadNote, LeadAnswer):
            db.session.execute(
                sa.delete(model)
                .where(model.lead_id.in_(_lead_ids(event)))
                .execution_options(synchronize_session=False)
            )
        db.session.execute(
            sa.delete(Lead)
            .where(Lead.event_id == event.id)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return results


def _column(days: int):
    return {14: Exhibitor.leads_reminded_14_at, 3: Exhibitor.leads_reminded_3_at}[days]


def _claim(exhibitor: Exhibitor, days: int, now: datetime) -> bool:
    """Record the reminder `days` before as sent (and every earlier one, not to send it late);
    whether this run got it."""
    column = _column(days)
    values = {_column(d).key: now for d in REMINDERS if d >= days}
    claimed = db.session.execute(
        sa.update(Exhibitor)
        .where(Exhibitor.id == exhibitor.id, column.is_(None))
        .values(values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def _due_reminder(event: Event, now: datetime) -> int | None:
    """The reminder due today for this exhibition (the most urgent), or None."""
    left = (deletion_day(event) - _today(event, now)).days
    if left <= 0:
        return None  # deleted today: too late to remind
    due = [days for days in REMINDERS if left <= days]
    return min(due) if due else None


def send_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Queue the reminders due at `now` to the exhibitors that have leads: {"14": e-mails,
    "3": e-mails}. The caller commits."""
    now = now or utcnow()
    done = {str(days): 0 for days in REMINDERS}
    # Only exhibitions whose last day is past: a reminder comes weeks after it at the earliest.
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.ends_at < now, sa.exists().where(Lead.event_id == Event.id))
        .order_by(Event.id)
    ).all()
    for event in events:
        days = _due_reminder(event, now)
        if days is None:
            continue
        counts = dict(
            db.session.execute(
                sa.select(Lead.exhibitor_id, sa.func.count())
                .where(Lead.event_id == event.id)
                .group_by(Lead.exhibitor_id)
            ).all()
        )
        exhibitors = db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.id.in_(list(counts)), _column(days).is_(None))
            .order_by(Exhibitor.id)
        ).all()
        for exhibitor in exhibitors:
            if _claim(exhibitor, days, now):
                _queue_reminder(exhibitor=exhibitor, days=days, leads=counts[exhibitor.id])
                done[str(days)] += 1
    db.session.flush()
    return done


def _queue_reminder(*, exhibitor: Exhibitor, days: int, leads: int) -> None:
    event = exhibitor.event
    language = exhibitor.contact_language
    queue_email(
        "lead_reminder",
        {
            "exhibitor": exhibitor,
            "event": event,
            "leads": leads,
            "days": days,
            "deletion_day": deletion_day(event),
            "portal_url": public_url("portal.login", slug=event.slug, lang=language),
        },
        to=exhibitor.contact_email,
        subject=_l(
            "Your leads of %(event)s will be deleted in %(days)s days",
            event=event.tr("name", language),
            days=days,
        ),
        kind=MessageKind.LEAD_REMINDER,
        language=language,
        **event.mail_fields(language),
    )


def run_due(*, now: datetime | None = None) -> dict[str, int]:
    """The job: queue the reminders due and commit (`flask lead-reminders`, `flask serve`)."""
    done = send_reminders(now=now)
    db.session.commit()
    return done


def run(app: Flask, *, interval: float = INTERVAL, stop: threading.Event | None = None) -> None:
    """Run the job now, then every `interval` seconds, until `stop` is set."""
    worker.repeat(
        app,
        run_due,
        interval=interval,
        stop=stop,
        message="lead retention: %(14)s 14-day and %(3)s 3-day reminder(s)",
    )


def start_in_thread(
    app: Flask, *, interval: float = INTERVAL
) -> tuple[threading.Thread, threading.Event]:
    """The job in a daemon thread beside the mail worker (`flask serve`); the event stops it."""
    return worker.start_in_thread(app, interval=interval, target=run, name="lead-reminders")
