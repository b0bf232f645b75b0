"""The bank-notification webhook (POST /api/v1/events/<slug>/payments/webhook): SePay-shaped
JSON, the exhibition's key, what it ignores, what it refuses, idempotence on the provider's id;
and the concurrency guarantees of receiving money on PostgreSQL: concurrent deliveries of one
transfer, the webhook and a statement at once, two staff assigning one transaction, a payment
landing while the expiry job runs."""

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.payments.models import BankTransaction, Outcome, PaymentRequest, RequestState

from .conftest import ACCOUNT, credit

URL = "/api/v1/events/{slug}/payments/webhook"
postgres_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
def webhook_key(app, payments_event):
    """The exhibition's webhook key (made as the settings page makes it)."""
    from exhibition.events.services import get_event
    from exhibition.payments.services import new_webhook_key

    with app.app_context():
        key = new_webhook_key(event=get_event(slug=payments_event))
        db.session.commit()
    return key


def request_row(app, request_id) -> dict:
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        return {
            "reference": request.reference,
            "total": request.total_vnd,
            "paid": request.paid_vnd,
            "state": request.state,
        }


def transactions(app) -> list[BankTransaction]:
    with app.app_context():
        rows = db.session.scalars(sa.select(BankTransaction).order_by(BankTransaction.id)).all()
        db.session.expunge_all()
        return rows


def notification(**fields) -> dict:
    body = {
        "id": 92704,
        "gateway": "Vietcombank",
        "transactionDate": "2026-12-06 10:15:00",
        "accountNumber": ACCOUNT["account_number"],
        "code": None,
        "content": "CT TNHH CO KHI HAI AN CK",
        "transferType": "in",
        "transferAmount": 1000000,
        "accumulated": 19077000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": "",
    }
    body.update(fields)
    return body


def post(client, key, body, *, slug="expo-2026", **more):
    headers = {"Authorization": f"Apikey {key}"} if key is not None else {}
    if isinstance(body, (bytes, str)):
        return client.post(
            URL.format(slug=slug),
            data=body,
            headers=headers,
            content_type=more.pop("content_type", "application/json"),
        )
    return client.post(URL.format(slug=slug), json=body, headers=headers, **more)


def pay(client, key, request, *, amount=None, **fields):
    """A notification paying `request` (a request_row), `amount` its total by default."""
    body = notification(
        content=f"MBVCB.123 {request['reference']} CHUYEN TIEN GIAN HANG",
        transferAmount=request["total"] if amount is None else amount,
        **fields,
    )
    return post(client, key, body)


# ----------------------------------------------------------------------------- answers


def test_an_incoming_transfer_pays_the_request_its_memo_names(
    app, client, webhook_key, make_request
):
    request_id = make_request()
    request = request_row(app, request_id)
    response = pay(client, webhook_key, request)
    assert response.status_code == 200
    assert response.json == {"success": True, "outcome": "paid", "duplicate": False}
    assert request_row(app, request_id)["state"] is RequestState.PAID
    (stored,) = transactions(app)
    assert (stored.provider_id, stored.bank_reference, stored.source.value) == (
        "92704",
        "MBVCB.3278907687",
        "webhook",
    )
    assert (stored.amount_vnd, stored.applied_vnd, stored.request_id) == (
        request["total"],
        request["total"],
        request_id,
    )
    assert stored.booked_on == date(2026, 12, 6)
    assert stored.account_number == ACCOUNT["account_number"]


def test_a_replayed_id_answers_duplicate_and_changes_nothing(
    app, client, webhook_key, make_request
):
    request_id = make_request()
    request = request_row(app, request_id)
    half = request["total"] // 2
    first = pay(client, webhook_key, request, amount=half)
    assert first.json == {"success": True, "outcome": "partial", "duplicate": False}
    # The same id again, even with another bank reference (a service's retry is byte for byte
    # the same; an id is enough).
    for again in (
        pay(client, webhook_key, request, amount=half),
        pay(client, webhook_key, request, amount=half, referenceCode="OTHER.1"),
    ):
        assert again.status_code == 200
        assert again.json == {"success": True, "outcome": "partial", "duplicate": True}
    assert len(transactions(app)) == 1
    after = request_row(app, request_id)
    assert (after["paid"], after["state"]) == (half, RequestState.PARTIALLY_PAID)


def test_the_same_bank_reference_from_a_statement_first_is_a_duplicate(
    app, client, webhook_key, make_request
):
    request_id = make_request()
    request = request_row(app, request_id)
    memo = f"{request['reference']} thanh toan"
    assert credit(app, "expo-2026", request["total"], memo, reference="FT2634012345")[2] is True
    response = pay(client, webhook_key, request, referenceCode="FT2634012345", id="sepay-77")
    assert response.json == {"success": True, "outcome": "paid", "duplicate": True}
    assert len(transactions(app)) == 1
    assert request_row(app, request_id)["paid"] == request["total"]


def test_other_outcomes_come_back_as_they_are(app, client, webhook_key, make_request):
    request = request_row(app, make_request())
    less = pay(client, webhook_key, request, amount=1000000, id=1)
    assert less.json == {"success": True, "outcome": "partial", "duplicate": False}
    rest = request["total"] - 1000000
    more = pay(client, webhook_key, request, amount=rest + 5, id=2, referenceCode="R2")
    assert more.json["outcome"] == "overpaid"
    late = pay(client, webhook_key, request, amount=10, id=3, referenceCode="R3")
    assert late.json["outcome"] == "duplicate"  # the request was paid already: to refund
    nothing = post(client, webhook_key, notification(id=4, referenceCode="R4", content="ung ho"))
    assert nothing.json == {"success": True, "outcome": "unmatched", "duplicate": False}


def test_outgoing_transfers_and_other_accounts_are_ignored(app, client, webhook_key, make_request):
    request = request_row(app, make_request())
    out = pay(client, webhook_key, request, transferType="out")
    assert (out.status_code, out.json) == (200, {"success": True, "ignored": "outgoing"})
    other = pay(client, webhook_key, request, accountNumber="0491000999999")
    assert (other.status_code, other.json) == (200, {"success": True, "ignored": "other_account"})
    assert transactions(app) == []
    assert request_row(app, make_request(booths=("A02",)))["paid"] == 0
    # The same account written with spaces or dashes is the exhibition's.
    spaced = pay(client, webhook_key, request, accountNumber="0031 0001 23456")
    assert spaced.json["outcome"] == "paid"


def test_the_local_day_of_the_transfer_is_the_day_booked(app, client, webhook_key):
    late_evening = notification(id=1, referenceCode="A", transactionDate="2026-12-06 23:59:59")
    # 20:30 UTC is 03:30 the next morning in Hanoi (the exhibition's time zone).
    with_offset = notification(id=2, referenceCode="B", transactionDate="2026-12-06T20:30:00Z")
    for body in (late_evening, with_offset):
        assert post(client, webhook_key, body).status_code == 200
    assert [t.booked_on for t in transactions(app)] == [date(2026, 12, 6), date(2026, 12, 7)]


def test_ids_may_be_text_and_unknown_fields_are_ignored(app, client, webhook_key):
    body = notification(id="tx-9f1c", referenceCode=None, content=None, extra={"a": [1]})
    body.pop("gateway")
    response = post(client, webhook_key, body)
    assert response.json == {"success": True, "outcome": "unmatched", "duplicate": False}
    # A service that forgets the content type is still understood.
    import json

    again = post(client, webhook_key, json.dumps(body), content_type="text/plain")
    assert again.json == {"success": True, "outcome": "unmatched", "duplicate": True}
    (stored,) = transactions(app)
    assert (stored.provider_id, stored.bank_reference, stored.memo) == ("tx-9f1c", "", "")


# ----------------------------------------------------------------------------- refusals


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.is_json and response.json["error"]["code"] == code, response.text
    assert response.json["error"]["message"]


def test_a_wrong_or_missing_key_is_401_and_does_not_reveal_the_exhibition(
    app, client, webhook_key, make_event
):
    body = notification()
    answers = [
        post(client, None, body),
        post(client, "", body),
        post(client, webhook_key + "x", body),
        post(client, webhook_key[:-1], body),
        client.post(
            URL.format(slug="expo-2026"),
            json=body,
            headers={"Authorization": f"Bearer {webhook_key}"},
        ),
        post(client, webhook_key, body, slug="no-such-expo"),
    ]
    make_event(slug="keyless-expo")  # exists, but has no account nor key
    answers.append(post(client, webhook_key, body, slug="keyless-expo"))
    for response in answers:
        assert_error(response, 401, "invalid_webhook_key")
    assert len({r.get_data() for r in answers}) == 1  # the same answer, whatever was wrong
    assert transactions(app) == []


def test_a_new_key_stops_the_old_one(app, client, webhook_key):
    from exhibition.events.services import get_event
    from exhibition.payments.services import new_webhook_key

    with app.app_context():
        fresh = new_webhook_key(event=get_event(slug="expo-2026"))
        db.session.commit()
    assert_error(post(client, webhook_key, notification()), 401, "invalid_webhook_key")
    assert post(client, fresh, notification()).status_code == 200
    assert post(client, f"  {fresh}  ".replace("  ", " "), notification(id=5)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[1, 2]", b'"in"', b"null", b'{"id": ' * 5000 + b"1" + b"}" * 5000],
    ids=["broken", "empty", "list", "string", "null", "deep"],
)
def test_a_body_that_is_not_a_json_object_is_400(app, client, webhook_key, body):
    assert_error(post(client, webhook_key, body), 400, "invalid_json")
    assert transactions(app) == []


@pytest.mark.parametrize(
    "change, fields",
    [
        ({"transferAmount": "1000000"}, {"transferAmount"}),
        ({"transferAmount": 1000000.5}, {"transferAmount"}),
        ({"transferAmount": 0}, {"transferAmount"}),
        ({"transferAmount": -5}, {"transferAmount"}),
        ({"transferAmount": 10**13}, {"transferAmount"}),
        ({"transferAmount": True}, {"transferAmount"}),
        ({"id": True}, {"id"}),
        ({"id": 1.5}, {"id"}),
        ({"id": ""}, {"id"}),
        ({"id": "x" * 65}, {"id"}),
        ({"id": None}, {"id"}),
        ({"transferType": "IN"}, {"transferType"}),
        ({"transactionDate": "06/12/2026 10:15"}, {"transactionDate"}),
        ({"transactionDate": 1733451300}, {"transactionDate"}),
        ({"accountNumber": 31000123456}, {"accountNumber"}),
        ({"content": ["a"]}, {"content"}),
        ({"content": "x" * 1001}, {"content"}),
        ({"referenceCode": "R" * 65}, {"referenceCode"}),
        ({"gateway": {"name": "VCB"}}, {"gateway"}),
    ],
)
def test_wrong_types_are_422_with_the_fields_named(app, client, webhook_key, change, fields):
    response = post(client, webhook_key, notification(**change))
    assert_error(response, 422, "validation_failed")
    assert set(response.json["error"]["fields"]) == fields
    assert transactions(app) == []


def test_missing_fields_are_named(app, client, webhook_key):
    response = post(client, webhook_key, {"id": 1})
    assert_error(response, 422, "validation_failed")
    assert set(response.json["error"]["fields"]) == {
        "transactionDate",
        "accountNumber",
        "content",
        "transferType",
        "transferAmount",
    }
    english = client.post(
        URL.format(slug="expo-2026") + "?lang=en",
        json={"id": 1},
        headers={"Authorization": f"Apikey {webhook_key}"},
    )
    assert english.json["error"]["fields"]["transferType"] == "The transfer type is “in” or “out”."


def test_the_webhook_needs_no_csrf_token(app, client, webhook_key):
    """The tests' app checks CSRF tokens as production does; the webhook has none to send."""
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert post(client, webhook_key, notification()).status_code == 200


# ----------------------------------------------------------------------------- concurrency


def race(count, work):
    """Run work(index) in `count` threads released together; the answers, by index."""
    start = threading.Barrier(count)
    answers, failures = {}, []

    def run(index):
        try:
            start.wait(timeout=30)
            answers[index] = work(index)
        except Exception as error:  # reported below, with the thread's index
            failures.append((index, repr(error)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(answers) == count
    return answers


@postgres_only
@pytest.mark.parametrize("named", [True, False], ids=["memo-names-a-request", "unmatched"])
def test_twenty_concurrent_deliveries_of_one_transfer_pay_once(
    app, webhook_key, make_request, named
):
    """Named: the deliveries queue on the request's lock and find the first one's transfer.
    Unmatched (no lock to take): the unique key decides, the losers find the winner's row."""
    request_id = make_request()
    request = request_row(app, request_id)
    half = request["total"] // 2  # a double count would show: it would pay the request in full
    memo = f"{request['reference']} dat coc" if named else "CHUYEN TIEN DAT COC GIAN HANG"
    body = notification(id=555, content=memo, transferAmount=half, referenceCode="FT26340999")

    def deliver(_index):
        response = post(app.test_client(), webhook_key, body)
        return response.status_code, response.json

    answers = race(20, deliver).values()
    assert {status for status, _ in answers} == {200}
    assert sorted(json["duplicate"] for _, json in answers) == [False] + [True] * 19
    assert {json["outcome"] for _, json in answers} == {"partial" if named else "unmatched"}
    assert len(transactions(app)) == 1
    after = request_row(app, request_id)
    if named:
        assert (after["paid"], after["state"]) == (half, RequestState.PARTIALLY_PAID)
    else:
        assert (after["paid"], after["state"]) == (0, RequestState.OPEN)


@postgres_only
def test_webhook_and_statement_of_one_transfer_at_once_pay_once(app, webhook_key, make_request):
    from exhibition.events.services import get_event
    from exhibition.payments.matching import Received, receive
    from exhibition.payments.models import Source

    for round_ in range(6):
        request_id = make_request(booths=(f"A0{round_ + 1}",))
        request = request_row(app, request_id)
        half = request["total"] // 2
        named = round_ % 2 == 0  # else a memo with no reference: only the unique key decides
        memo = f"{request['reference']} CK" if named else "CK TIEN GIAN HANG"
        bank_reference = f"FT2634{round_:05d}"

        body = notification(
            id=f"w{round_}", content=memo, transferAmount=half, referenceCode=bank_reference
        )
        row = Received(
            amount_vnd=half,
            booked_on=date(2026, 12, 6),
            memo=f"IBFT {memo} NGUYEN VAN A",
            bank_reference=bank_reference,
            counterparty="CONG TY TNHH THU NGHIEM",
        )

        def by_webhook(body=body):
            return post(app.test_client(), webhook_key, body).json["duplicate"]

        def by_statement(row=row):
            with app.app_context():
                _transaction, new = receive(
                    event=get_event(slug="expo-2026"), item=row, source=Source.STATEMENT
                )
                db.session.commit()
                db.session.remove()
                return not new

        answers = race(2, lambda i: (by_webhook, by_statement)[i]())
        assert sorted(answers.values()) == [False, True], round_
        with app.app_context():
            stored = db.session.scalars(
                sa.select(BankTransaction).where(
                    BankTransaction.dedupe_key == f"ref:{bank_reference}"
                )
            ).all()
            assert len(stored) == 1, round_
        assert request_row(app, request_id)["paid"] == (half if named else 0), round_


@postgres_only
def test_two_staff_assigning_one_unmatched_transaction_one_wins(app, make_request):
    from exhibition.events.services import get_event
    from exhibition.payments.matching import AlreadyDecided, assign, get_transaction
    from exhibition.payments.services import get_request

    first, second = make_request(booths=("A01",)), make_request(booths=("A02",))
    total = request_row(app, first)["total"]
    credit(app, "expo-2026", total, "chuyen tien gian hang", reference="FT1")
    (unmatched,) = transactions(app)
    assert unmatched.outcome is Outcome.UNMATCHED

    def decide(index):
        with app.app_context():
            event = get_event(slug="expo-2026")
            transaction = get_transaction(event=event, transaction_id=unmatched.id)
            request = get_request(event=event, request_id=(first, second)[index])
            try:
                assign(transaction=transaction, request=request, note=f"staff {index}")
                db.session.commit()
                return "assigned"
            except AlreadyDecided:
                db.session.rollback()
                return "conflict"
            finally:
                db.session.remove()

    answers = race(2, decide)
    assert sorted(answers.values()) == ["assigned", "conflict"]
    winner = (first, second)[next(i for i, a in answers.items() if a == "assigned")]
    loser = second if winner == first else first
    (stored,) = transactions(app)
    assert (stored.outcome, stored.request_id, stored.applied_vnd) == (Outcome.PAID, winner, total)
    assert request_row(app, winner)["paid"] == total
    assert request_row(app, loser)["paid"] == 0


@postgres_only
def test_a_payment_landing_while_the_expiry_job_runs_counts_once(app, webhook_key, make_request):
    """Either the payment comes first (the request is paid, the job leaves it) or the expiry
    does (the booth is freed, then the payment takes it back): never an expired request that
    also counts the money, nor a paid request whose booth was freed."""
    from exhibition.accounts.models import AuditEntry
    from exhibition.booths.models import Booth, BoothAssignment
    from exhibition.payments.services import run_due

    orders = []
    for round_ in range(6):
        code = f"A0{round_ + 1}"
        request_id = make_request(booths=(code,))
        with app.app_context():
            request = db.session.get(PaymentRequest, request_id)
            request.due_on = date.today() - timedelta(days=2)  # past due: the job expires it
            exhibitor_id = request.exhibitor_id
            db.session.commit()
        request = request_row(app, request_id)

        body = notification(
            id=f"late-{round_}",
            content=request["reference"],
            transferAmount=request["total"],
            referenceCode=f"FT-LATE-{round_}",
        )

        def land(index, body=body):
            if index == 0:
                response = post(app.test_client(), webhook_key, body)
                assert response.status_code == 200, response.text
                return response.json["outcome"]
            with app.app_context():
                done = run_due()
                db.session.remove()
                return done["expired"]

        answers = race(2, land)
        outcome, expired = answers[0], answers[1]
        after = request_row(app, request_id)
        with app.app_context():
            holder = db.session.scalar(
                sa.select(BoothAssignment.exhibitor_id)
                .join(Booth, Booth.id == BoothAssignment.booth_id)
                .where(Booth.code == code)
            )
            (stored,) = db.session.scalars(
                sa.select(BankTransaction).where(BankTransaction.request_id == request_id)
            ).all()
            db.session.expunge(stored)
            actions = list(
                db.session.scalars(
                    sa.select(AuditEntry.action)
                    .where(
                        AuditEntry.target_type == "payment_request",
                        AuditEntry.target_id == request_id,
                    )
                    .order_by(AuditEntry.id)
                )
            )
        # Paid once, in full, and the booth is the exhibitor's: whichever came first.
        assert outcome == "paid", (round_, outcome)
        assert (after["state"], after["paid"]) == (RequestState.PAID, request["total"]), round_
        assert (stored.applied_vnd, stored.refund_vnd) == (request["total"], 0), round_
        assert holder == exhibitor_id, round_
        if expired:  # the job came first: it freed the booth, the payment took it back
            assert actions.index("payments.expired") < actions.index("payments.rereserved")
            orders.append("expired, then paid")
        else:
            assert "payments.expired" not in actions and "payments.rereserved" not in actions
            orders.append("paid, then left alone")
    print("orders seen:", orders)


def test_the_answers_are_those_the_openapi_document_describes(app, webhook_key, make_request):
    """Each kind of answer, checked against /api/v1/openapi.json by schemathesis."""
    import schemathesis

    from tests.api.test_openapi import CHECKS

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/events/{slug}/payments/webhook"]["POST"]
    request = request_row(app, make_request())

    def call(body, status, key=webhook_key, slug="expo-2026"):
        case = operation.Case(path_parameters={"slug": slug}, body=body)
        response = case.call_and_validate(headers={"Authorization": f"Apikey {key}"}, checks=CHECKS)
        assert response.status_code == status, response.text
        return response.json()

    paying = notification(content=request["reference"], transferAmount=request["total"])
    assert call(paying, 200) == {"success": True, "outcome": "paid", "duplicate": False}
    assert call(paying, 200)["duplicate"] is True
    assert call(notification(id=2, transferType="out"), 200)["ignored"] == "outgoing"
    assert call(notification(id=3, accountNumber="1"), 200)["ignored"] == "other_account"
    assert call(paying, 401, key="wrong")["error"]["code"] == "invalid_webhook_key"
    assert call(paying, 401, slug="nowhere")["error"]["code"] == "invalid_webhook_key"
    refused = call(notification(transferAmount="many"), 422)["error"]
    assert refused["fields"].keys() == {"transferAmount"}
    assert call([paying], 400)["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_guessed_keys_count_against_their_address_not_the_exhibition(
    app, db_url, tmp_path, webhook_key
):
    """600 wrong keys a minute from an address, then 429; the exhibition's own notifications,
    even from that address, count on the exhibition's budget and go through."""
    from tests.conftest import make_app

    limited = make_app(db_url, tmp_path / "limited", RATELIMIT_ENABLED=True)
    guesser = limited.test_client()
    codes = [post(guesser, f"guess-{n}", notification()).status_code for n in range(601)]
    assert codes == [401] * 600 + [429]
    assert post(guesser, None, notification()).status_code == 429
    refused = post(guesser, "guess-last", notification())
    assert refused.json["error"]["code"] == "too_many_requests"
    right = post(guesser, webhook_key, notification())
    assert (right.status_code, right.json["success"]) == (200, True)
    assert right.headers["X-RateLimit-Remaining"] == "599"
    with limited.app_context():
        db.engine.dispose()


@postgres_only
def test_a_statement_import_under_way_and_the_webhook_do_not_deadlock(
    app, webhook_key, make_request
):
    """A statement import is one database transaction: after an early row paid part of a
    request, it holds that request's lock until the whole file is in. The webhook then tells of
    a later transfer to the same request, which the file also holds further down. The webhook
    waits for the import, the import finds the transfer the webhook is storing: one stored
    transfer, both answers clean (formerly a deadlock, and the webhook's 500)."""
    import time

    from exhibition.events.services import get_event
    from exhibition.payments.matching import Received, receive
    from exhibition.payments.models import Source

    request_id = make_request()
    request = request_row(app, request_id)
    third = request["total"] // 3
    holding, sent = threading.Event(), threading.Event()

    def row(reference):
        return Received(
            amount_vnd=third,
            booked_on=date(2026, 12, 6),
            memo=f"{request['reference']} dot {reference}",
            bank_reference=reference,
        )

    def importer():
        with app.app_context():
            event = get_event(slug="expo-2026")
            receive(event=event, item=row("FT-EARLY"), source=Source.STATEMENT)
            holding.set()  # the request is locked by this import until it commits
            sent.wait(timeout=30)
            time.sleep(0.5)  # the webhook is under way by now
            _transaction, new = receive(event=event, item=row("FT-LATER"), source=Source.STATEMENT)
            db.session.commit()
            db.session.remove()
            return new

    def webhook():
        holding.wait(timeout=30)
        sent.set()
        body = notification(
            id="sepay-later",
            content=f"{request['reference']} dot FT-LATER",
            transferAmount=third,
            referenceCode="FT-LATER",
        )
        response = post(app.test_client(), webhook_key, body)
        return response.status_code, response.json

    answers = race(2, lambda i: (importer, webhook)[i]())
    status, answer = answers[1]
    assert status == 200, answer
    # Whichever stored it, the later transfer is stored once and counted once.
    assert answer["outcome"] == "partial"
    assert answer["duplicate"] is answers[0]
    assert len(transactions(app)) == 2
    assert request_row(app, request_id)["paid"] == 2 * third


def test_an_unmatched_transfer_costs_the_same_statements_however_many_requests_are_open(
    app, client, webhook_key, make_request
):
    """Candidates are looked up with their companies' names in one query, not one per request."""
    make_request(booths=("A01",))

    def statements_of_one(ident):
        with app.app_context():
            engine = db.engine
        seen = []

        def count(*_args):
            seen.append(1)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            body = notification(id=ident, referenceCode=f"R{ident}", content="CK TIEN HANG")
            assert post(client, webhook_key, body).json["outcome"] == "unmatched"
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    one = statements_of_one(1)
    for code in ("A02", "A03", "A04", "A05"):
        make_request(booths=(code,))
    assert statements_of_one(2) == one


@postgres_only
def test_a_late_payment_while_an_organiser_gives_the_freed_booth_away_goes_to_refund(
    app, webhook_key, make_request, make_exhibitor
):
    """The request expired and freed its booth; an organiser is giving the booth to another
    exhibitor (not yet committed) when the payment lands. The payment cannot take the booth
    back: it is answered (200, `error`, to refund), not refused with the booth's conflict. (The
    payment's lock on the booth waits for the organiser's uncommitted assignment, whose foreign
    key holds the booth row, and then sees it.)"""
    import time

    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth, BoothAssignment
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments.services import expire

    request_id = make_request(booths=("A01",))
    other_id = make_exhibitor()
    with app.app_context():
        expire(request=db.session.get(PaymentRequest, request_id))
        db.session.commit()
    request = request_row(app, request_id)
    assert request["state"] is RequestState.EXPIRED
    giving = threading.Event()

    def organiser():
        with app.app_context():
            booth = db.session.scalar(sa.select(Booth).where(Booth.code == "A01"))
            assign_booth(booth=booth, exhibitor=db.session.get(Exhibitor, other_id))
            giving.set()  # the assignment is written, not committed
            time.sleep(0.5)  # the payment is waiting on it by now
            db.session.commit()
            db.session.remove()
            return "given"

    def payment():
        giving.wait(timeout=30)
        body = notification(
            id="after-expiry",
            content=request["reference"],
            transferAmount=request["total"],
            referenceCode="FT-AFTER",
        )
        response = post(app.test_client(), webhook_key, body)
        return response.status_code, response.json

    answers = race(2, lambda i: (organiser, payment)[i]())
    status, answer = answers[1]
    assert status == 200, answer
    assert answer == {"success": True, "outcome": "error", "duplicate": False}
    after = request_row(app, request_id)
    assert (after["state"], after["paid"]) == (RequestState.EXPIRED, 0)
    (stored,) = transactions(app)
    assert (stored.refund_vnd, stored.applied_vnd) == (request["total"], 0)
    with app.app_context():
        holder = db.session.scalar(
            sa.select(BoothAssignment.exhibitor_id)
            .join(Booth, Booth.id == BoothAssignment.booth_id)
            .where(Booth.code == "A01")
        )
    assert holder == other_id
