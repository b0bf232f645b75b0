"""The payment job: reminders 3 days before the due date and on it (each once), expiry after it
(the booth freed), the incomplete-payment e-mail with the QR of the new balance, the
`flask payments-due` command for cron and its thread beside the mail worker of `flask serve`."""

import io
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from exhibition.booths.models import Booth
from exhibition.exhibitors.models import ExhibitorStatus
from exhibition.extensions import db
from exhibition.mail.models import MessageKind, OutboxMessage
from exhibition.mail.services import attachment_content
from exhibition.payments import jobs
from exhibition.payments.models import PaymentRequest, RequestState
from exhibition.payments.services import run_due
from tests.payments.conftest import credit
from tests.payments.test_vietqr import crc_is_right, decode
from tests.test_cli import invoke

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour=12, minute=0) -> datetime:
    """A moment of a local day of the exhibition (Asia/Ho_Chi_Minh), as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI)


def due_on(app, request_id):
    with app.app_context():
        return db.session.get(PaymentRequest, request_id).due_on


def messages(app, request_id, kind) -> list[OutboxMessage]:
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        found = db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.to_address == request.exhibitor.contact_email,
                OutboxMessage.kind == kind,
            )
            .order_by(OutboxMessage.id)
        ).all()
        for message in found:
            message.attachments  # loaded before the session ends  # noqa: B018
        db.session.expunge_all()
        return found


def run(app, now) -> dict:
    with app.app_context():
        return run_due(now=now)


def qr_of(message: OutboxMessage) -> str:
    """The text of the inline VietQR image of an e-mail as it is sent, read back by zxing-cpp."""
    (image,) = [item for item in message.attachments if item.content_id == "vietqr"]
    content_type, data = attachment_content(image)
    assert content_type == "image/png"
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    return result.text


def test_reminder_three_days_before_the_due_date_goes_once(app, make_request):
    request_id = make_request()
    due = due_on(app, request_id)
    assert run(app, at(due - timedelta(days=4))) == {"reminded": 0, "expired": 0}
    assert run(app, at(due - timedelta(days=3), 0, 5)) == {"reminded": 1, "expired": 0}
    assert run(app, at(due - timedelta(days=3), 0, 15)) == {"reminded": 0, "expired": 0}
    assert run(app, at(due - timedelta(days=1))) == {"reminded": 0, "expired": 0}
    (reminder,) = messages(app, request_id, MessageKind.PAYMENT_REMINDER)
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        assert request.reminded_before_at is not None and request.reminded_due_at is None
        assert request.reference in reminder.body_text
        assert decode(qr_of(reminder))["54"] == str(request.outstanding_vnd)


def test_reminder_on_the_due_date_goes_once_by_the_exhibitions_local_day(app, make_request):
    request_id = make_request()
    due = due_on(app, request_id)
    # 23:30 the day before in Hanoi is not yet the due date, though it is in UTC a day earlier.
    assert run(app, at(due - timedelta(days=1), 23, 30)) == {"reminded": 1, "expired": 0}
    assert run(app, at(due, 0, 30)) == {"reminded": 1, "expired": 0}  # 17:30 UTC the day before
    assert run(app, at(due, 18)) == {"reminded": 0, "expired": 0}
    assert run(app, at(due, 23, 59)) == {"reminded": 0, "expired": 0}
    assert len(messages(app, request_id, MessageKind.PAYMENT_REMINDER)) == 2
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        assert request.reminded_due_at == at(due, 0, 30)
        assert request.state is RequestState.OPEN


def test_expiry_after_the_due_date_frees_the_booth_and_tells_the_exhibitor(app, make_request):
    request_id = make_request(booths=("A01", "A02"))
    due = due_on(app, request_id)
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        exhibitor_id = request.exhibitor_id
        assert request.exhibitor.status is ExhibitorStatus.BOOTH_ASSIGNED
    assert run(app, at(due, 23, 59))["expired"] == 0
    assert run(app, at(due + timedelta(days=1), 0, 1)) == {"reminded": 0, "expired": 1}
    assert run(app, at(due + timedelta(days=1), 0, 11)) == {"reminded": 0, "expired": 0}
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        assert request.state is RequestState.EXPIRED
        assert request.closed_at == at(due + timedelta(days=1), 0, 1)
        assert request.exhibitor.status is ExhibitorStatus.APPROVED
        assert request.exhibitor.assignments == []
        booths = db.session.scalars(
            sa.select(Booth).where(Booth.code.in_(("A01", "A02"))).order_by(Booth.code)
        ).all()
        assert [booth.assignment for booth in booths] == [None, None]
        assert request.exhibitor_id == exhibitor_id
    (expired,) = messages(app, request_id, MessageKind.PAYMENT_EXPIRED)
    assert not expired.attachments  # nothing to pay on an expired request: no QR


def test_a_partly_paid_request_is_reminded_but_not_expired(app, payments_event, make_request):
    request_id = make_request()
    due = due_on(app, request_id)
    with app.app_context():
        reference = db.session.get(PaymentRequest, request_id).reference
    assert credit(app, payments_event, 6_200_000, reference)[0] == "partial"
    assert run(app, at(due)) == {"reminded": 1, "expired": 0}
    assert run(app, at(due + timedelta(days=2))) == {"reminded": 0, "expired": 0}
    (reminder,) = messages(app, request_id, MessageKind.PAYMENT_REMINDER)
    assert decode(qr_of(reminder))["54"] == "10000000"
    with app.app_context():
        assert db.session.get(PaymentRequest, request_id).state is RequestState.PARTIALLY_PAID


def test_a_paid_request_gets_no_reminder(app, payments_event, make_request):
    request_id = make_request()
    due = due_on(app, request_id)
    with app.app_context():
        reference = db.session.get(PaymentRequest, request_id).reference
    assert credit(app, payments_event, 16_200_000, reference)[0] == "paid"
    for day in (due - timedelta(days=3), due, due + timedelta(days=1)):
        assert run(app, at(day)) == {"reminded": 0, "expired": 0}
    assert messages(app, request_id, MessageKind.PAYMENT_REMINDER) == []


def test_the_incomplete_payment_email_carries_the_qr_of_the_new_balance(
    app, payments_event, make_request
):
    request_id = make_request(booths=("A01", "A02"))  # 32,400,000
    with app.app_context():
        reference = db.session.get(PaymentRequest, request_id).reference
    assert credit(app, payments_event, 12_000_000, f"CONG TY TN1 CK {reference}")[0] == "partial"
    (first,) = messages(app, request_id, MessageKind.PAYMENT_INCOMPLETE)
    payload = qr_of(first)
    fields = decode(payload)
    assert crc_is_right(payload)
    assert fields["54"] == "20400000"
    assert decode(fields["62"])["08"] == reference
    assert "20.400.000" in first.body_text
    assert not [item for item in first.attachments if item.content_type == "application/pdf"]
    # A second part: the next e-mail carries the balance after it.
    assert credit(app, payments_event, 400_000, reference, reference="FT2")[0] == "partial"
    second = messages(app, request_id, MessageKind.PAYMENT_INCOMPLETE)[-1]
    assert decode(qr_of(second))["54"] == "20000000"


def test_two_runs_at_once_send_each_reminder_once(app, make_request):
    ids = [make_request(booths=(code,)) for code in ("A01", "A02", "A03")]
    due = due_on(app, ids[0])
    now = at(due - timedelta(days=3))
    start = threading.Barrier(4)
    results = []

    def worker():
        with app.app_context():
            start.wait()
            results.append(run_due(now=now)["reminded"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 4 and sum(results) == 3
    for request_id in ids:
        assert len(messages(app, request_id, MessageKind.PAYMENT_REMINDER)) == 1


def _today(app, request_id):
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        return datetime.now(request.exhibitor.event.tz).date()


def test_the_payments_due_command_reports_what_it_did_and_does_it_once(app, runner, make_request):
    late, soon = make_request(), make_request(booths=("A02",))
    today = _today(app, late)
    with app.app_context():
        db.session.get(PaymentRequest, late).due_on = today - timedelta(days=1)
        db.session.get(PaymentRequest, soon).due_on = today + timedelta(days=3)
        db.session.commit()
    result = invoke(app, runner, "payments-due")
    assert result.exit_code == 0, result.output
    assert result.output == "Reminders sent: 1. Requests expired: 1.\n"
    again = invoke(app, runner, "payments-due")
    assert again.output == "Reminders sent: 0. Requests expired: 0.\n"
    with app.app_context():
        assert db.session.get(PaymentRequest, late).state is RequestState.EXPIRED
        assert db.session.get(PaymentRequest, soon).reminded_before_at is not None


def test_the_serve_thread_runs_the_job_survives_a_failure_and_stops_when_asked(
    app, make_request, monkeypatch
):
    request_id = make_request()
    today = _today(app, request_id)
    with app.app_context():
        db.session.get(PaymentRequest, request_id).due_on = today - timedelta(days=1)
        db.session.commit()
    calls = []

    def flaky_run_due():
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the database went away for a moment")
        return run_due()

    monkeypatch.setattr(jobs, "run_due", flaky_run_due)
    thread, stop = jobs.start_in_thread(app, interval=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with app.app_context():
                state = db.session.get(PaymentRequest, request_id).state
                db.session.remove()
            if state is RequestState.EXPIRED:
                break
            time.sleep(0.05)
        assert state is RequestState.EXPIRED
        assert len(calls) >= 2  # the failed run did not end the thread
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert thread.name == "payments-due" and thread.daemon


def test_serve_starts_the_payment_job_beside_the_mail_worker_and_stops_both(
    app, runner, make_request, monkeypatch
):
    """`flask serve` (what `make run` runs): the gunicorn worker starts both threads when it boots
    and stops them when it exits; the payment job runs at once."""
    from gunicorn.app.base import BaseApplication

    request_id = make_request()
    today = _today(app, request_id)
    with app.app_context():
        db.session.get(PaymentRequest, request_id).due_on = today - timedelta(days=1)
        db.session.commit()
    hooks = {}

    def instead_of_serving(server):
        hooks["boot"], hooks["exit"] = server.cfg.post_worker_init, server.cfg.worker_exit

    monkeypatch.setattr(BaseApplication, "run", instead_of_serving)
    assert invoke(app, runner, "serve", "--port", "5999").exit_code == 0
    before = set(threading.enumerate())
    hooks["boot"](None)
    started = {thread for thread in threading.enumerate() if thread not in before}
    assert {thread.name for thread in started} == {
        "mail-worker",
        "payments-due",
        "matchmaking-jobs",
        "lead-reminders",
    }
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with app.app_context():
            state = db.session.get(PaymentRequest, request_id).state
            db.session.remove()
        if state is RequestState.EXPIRED:
            break
        time.sleep(0.05)
    assert state is RequestState.EXPIRED
    hooks["exit"](None, None)
    assert not any(thread.is_alive() for thread in started)
