"""Payment requests: their lines and totals, and what each received transaction does to them."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.payments.models import (
    BankTransaction,
    LineKind,
    Outcome,
    PaymentRequest,
    RequestState,
    vat_of,
)
from tests.payments.conftest import credit

SLUG = "expo-2026"


def _request(request_id: int) -> PaymentRequest:
    return db.session.get(PaymentRequest, request_id)


def _reference(app, request_id: int) -> str:
    with app.app_context():
        return _request(request_id).reference


def _total(app, request_id: int) -> int:
    with app.app_context():
        return _request(request_id).total_vnd


@pytest.mark.parametrize(
    ("net", "rate", "vat"),
    [
        (15_000_000, 8, 1_200_000),
        (1_234_567, 8, 98_765),  # 98,765.36
        (25, 10, 3),  # 2.5: half up
        (15, 10, 2),  # 1.5: half up
        (14, 10, 1),  # 1.4
        (-25, 10, -3),  # a discount: half away from zero, so a refund mirrors a charge
        (7_777_777, 5, 388_889),  # 388,888.85
        (1_000_001, 0, 0),
    ],
)
def test_vat_is_rounded_half_up_to_the_dong(net, rate, vat):
    assert vat_of(net, rate) == vat


def test_a_request_has_a_line_per_booth_and_its_totals_add_up(app, make_request):
    request_id = make_request(booths=("A01", "A02"))
    with app.app_context():
        request = _request(request_id)
        assert [line.kind for line in request.lines] == [LineKind.BOOTH, LineKind.BOOTH]
        assert request.lines[0].description_vi == "Gian hàng A01 (tiêu chuẩn, 9 m²)"
        assert request.lines[0].description_en == "Booth A01 (standard, 9 m²)"
        assert request.net_vnd == 30_000_000
        assert request.vat_vnd == 2_400_000
        assert request.total_vnd == request.net_vnd + request.vat_vnd == 32_400_000
        assert request.state is RequestState.OPEN and request.outstanding_vnd == 32_400_000
        assert request.reference.startswith("HP26") and len(request.reference) == 11


def test_the_due_date_never_falls_on_or_after_the_first_day(
    app, make_event, make_floor, make_exhibitor
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments.services import create_request, save_settings
    from tests.payments.conftest import ACCOUNT

    now = datetime.now(UTC)
    make_event(starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=7),
               registration_closes_at=now + timedelta(days=4))  # fmt: skip
    make_floor(count=1)
    exhibitor_id = make_exhibitor()
    with app.app_context():
        event = get_event(slug=SLUG)
        save_settings(event=event, **(ACCOUNT | {"due_days": 30}))
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        assign_booth(booth=db.session.scalar(sa.select(Booth)), exhibitor=exhibitor)
        request = create_request(exhibitor=exhibitor)
        assert request.due_on == event.first_day - timedelta(days=1)


def test_booths_already_billed_are_not_billed_again(app, make_request):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments.services import NothingToBill, create_request

    request_id = make_request(booths=("A01",))
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, _request(request_id).exhibitor_id)
        with pytest.raises(NothingToBill):
            create_request(exhibitor=exhibitor)


def test_no_request_without_a_receiving_account(app, make_event, make_floor, make_exhibitor):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments.services import NoReceivingAccount, create_request

    make_event()
    make_floor(count=1)
    exhibitor_id = make_exhibitor()
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        assign_booth(booth=db.session.scalar(sa.select(Booth)), exhibitor=exhibitor)
        with pytest.raises(NoReceivingAccount):
            create_request(exhibitor=exhibitor)


def test_lines_are_edited_while_nothing_is_paid_and_adjusted_afterwards(app, make_request):
    from exhibition.accounts.models import AuditEntry
    from exhibition.payments.services import NotEditable, add_line, update_line

    request_id = make_request(booths=("A01",))
    with app.app_context():
        request = _request(request_id)
        add_line(
            request=request,
            description_vi="Điện 3 pha",
            quantity=2,
            unit_price_vnd=500_000,
            vat_rate=10,
        )
        update_line(
            request=request, line=request.lines[0], description_vi="Gian hàng A01", description_en="Booth A01",
            quantity=1, unit_price_vnd=14_000_000, vat_rate=8,
        )  # fmt: skip
        db.session.commit()
        assert request.total_vnd == 14_000_000 + 1_120_000 + 1_000_000 + 100_000
        reference, total = request.reference, request.total_vnd
    assert credit(app, SLUG, total, reference, reference="FT001")[0] == "paid"
    with app.app_context():
        request = _request(request_id)
        with pytest.raises(NotEditable):
            update_line(
                request=request, line=request.lines[0], description_vi="x", description_en="",
                quantity=1, unit_price_vnd=1, vat_rate=8,
            )  # fmt: skip
        db.session.rollback()
        request = _request(request_id)
        line = add_line(
            request=request, description_vi="Thêm bàn ghế", unit_price_vnd=1_000_000, vat_rate=8
        )
        db.session.commit()
        assert line.kind is LineKind.ADJUSTMENT
        assert request.state is RequestState.PARTIALLY_PAID
        assert request.outstanding_vnd == 1_080_000
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert "payments.adjusted" in actions and "payments.line_changed" in actions


def test_the_exact_amount_pays_the_request_and_sells_its_booths(app, make_request):
    from exhibition.events.services import get_event
    from exhibition.payments.services import booth_sales

    request_id = make_request(booths=("A01", "A02"))
    reference, total = _reference(app, request_id), _total(app, request_id)
    with app.app_context():
        assert set(booth_sales(get_event(slug=SLUG)).values()) == {"unpaid"}
    memo = f"MBVCB.8812345.{reference.lower()}.CT TNHH THU NGHIEM chuyen tien gian hang"
    assert credit(app, SLUG, total, memo, reference="FT26340001") == ("paid", request_id, True)
    with app.app_context():
        request = _request(request_id)
        assert request.state is RequestState.PAID and request.paid_at is not None
        assert set(booth_sales(get_event(slug=SLUG)).values()) == {"sold"}


def test_less_is_a_partial_payment_with_one_email_carrying_the_new_amount(app, make_request):
    from exhibition.mail.models import MessageKind, OutboxMessage

    request_id = make_request(booths=("A01",))
    reference, total = _reference(app, request_id), _total(app, request_id)
    assert credit(app, SLUG, 10_000_000, f"{reference} dot 1", reference="FT1")[0] == "partial"
    with app.app_context():
        request = _request(request_id)
        assert request.state is RequestState.PARTIALLY_PAID
        assert request.outstanding_vnd == total - 10_000_000
        mails = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.PAYMENT_INCOMPLETE)
        ).all()
        assert len(mails) == 1
        assert "6.200.000" in mails[0].body_text  # 16,200,000 - 10,000,000 still owed
        assert [a.content_id for a in mails[0].attachments] == ["vietqr"]
    assert credit(app, SLUG, total - 10_000_000, reference, reference="FT2")[0] == "paid"


def test_more_is_overpaid_and_the_excess_is_to_be_refunded(app, make_request):
    request_id = make_request(booths=("A01",))
    reference, total = _reference(app, request_id), _total(app, request_id)
    assert credit(app, SLUG, total + 500_000, reference, reference="FT1")[0] == "overpaid"
    with app.app_context():
        request = _request(request_id)
        transaction = db.session.scalar(sa.select(BankTransaction))
        assert request.state is RequestState.PAID and request.paid_vnd == total
        assert (transaction.applied_vnd, transaction.refund_vnd) == (total, 500_000)


def test_a_second_payment_of_a_paid_request_is_a_duplicate(app, make_request):
    request_id = make_request(booths=("A01",))
    reference, total = _reference(app, request_id), _total(app, request_id)
    credit(app, SLUG, total, reference, reference="FT1")
    assert credit(app, SLUG, total, reference, reference="FT2")[0] == "duplicate"
    with app.app_context():
        assert _request(request_id).paid_vnd == total


def test_the_same_transfer_twice_is_stored_once(app, make_request):
    request_id = make_request(booths=("A01",))
    reference, total = _reference(app, request_id), _total(app, request_id)
    assert credit(app, SLUG, total, reference, reference="FT1")[2] is True
    assert credit(app, SLUG, total, reference, reference="ft1 ")[2] is False
    # Without a bank reference: the same day, amount, memo and account are the same transfer.
    assert credit(app, SLUG, 5, f"{reference} them", account_number="0031000123456")[2] is True
    assert credit(app, SLUG, 5, f"{reference}  THEM!", account_number="0031000123456")[2] is False
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankTransaction)) == 2


def test_a_cancelled_request_paid_is_an_error_to_refund_and_a_paid_one_cancelled_is_refund_due(
    app, make_request
):
    from exhibition.payments.services import cancel_request

    first, second = make_request(booths=("A01",)), make_request(booths=("A02",))
    with app.app_context():
        cancel_request(request=_request(first), reason="Công ty rút lui")
        db.session.commit()
        assert _request(first).state is RequestState.CANCELLED
    assert credit(app, SLUG, 1_000, _reference(app, first), reference="FT1")[0] == "error"
    credit(app, SLUG, _total(app, second), _reference(app, second), reference="FT2")
    with app.app_context():
        cancel_request(request=_request(second), reason="Đổi ý")
        db.session.commit()
        assert _request(second).state is RequestState.REFUND_DUE
        error = db.session.scalar(
            sa.select(BankTransaction).where(BankTransaction.outcome == Outcome.ERROR)
        )
        assert error.refund_vnd == 1_000


def test_a_memo_with_two_references_or_none_is_unmatched_with_candidates(app, make_request):
    first = make_request(booths=("A01",), company_name_vi="Công ty TNHH Cơ khí Đông Hải")
    second = make_request(booths=("A02", "A03"))
    one, two = _reference(app, first), _reference(app, second)
    assert credit(app, SLUG, 1_000, f"{one} {two}", reference="FT1")[:2] == ("unmatched", None)
    outcome, _, _ = credit(
        app, SLUG, _total(app, second), "chuyen tien gian hang", reference="FT2",
        counterparty="CONG TY TNHH CO KHI DONG HAI",
    )  # fmt: skip
    assert outcome == "unmatched"
    with app.app_context():
        two_codes, no_code = db.session.scalars(
            sa.select(BankTransaction).order_by(BankTransaction.id)
        )
        assert two_codes.note == "two_references"
        # The exact amount points at the second request, the payer's name at the first.
        assert no_code.candidate_ids == [second, first]


def test_a_reference_with_one_character_wrong_matches_nothing(app, make_request):
    request_id = make_request(booths=("A01",))
    reference = _reference(app, request_id)
    for position in range(4, len(reference)):
        replacement = "2" if reference[position] != "2" else "3"
        wrong = reference[:position] + replacement + reference[position + 1 :]
        assert credit(app, SLUG, 1_000, wrong, reference=f"FT{position}")[0] == "unmatched"
    # The usual misreadings are forgiven: O for 0, I or L for 1, lower case.
    forgiving = reference.replace("0", "O").replace("1", "l").lower()
    assert credit(app, SLUG, 1_000, forgiving, reference="FTOK")[0] == "partial"


def test_staff_assign_an_unmatched_transaction_once_or_discard_it_with_a_reason(app, make_request):
    from exhibition.errors import DomainError
    from exhibition.payments.matching import AlreadyDecided, assign, discard

    request_id = make_request(booths=("A01",))
    total = _total(app, request_id)
    credit(app, SLUG, total, "thanh toan", reference="FT1")
    credit(app, SLUG, 99_000, "hoan ung", reference="FT2")
    with app.app_context():
        first, second = db.session.scalars(sa.select(BankTransaction).order_by(BankTransaction.id))
        assign(transaction=first, request=_request(request_id), note="Công ty gọi điện xác nhận")
        db.session.commit()
        assert first.outcome is Outcome.PAID and _request(request_id).state is RequestState.PAID
        with pytest.raises(AlreadyDecided):
            assign(transaction=first, request=_request(request_id))
        db.session.rollback()
        with pytest.raises(DomainError):
            discard(transaction=second, reason="  ")
        discard(
            transaction=db.session.get(BankTransaction, second.id),
            reason="Không phải phí gian hàng",
        )
        db.session.commit()
        assert db.session.get(BankTransaction, second.id).outcome is Outcome.DISCARDED


def _due_passed(app, request_id: int) -> datetime:
    with app.app_context():
        due = _request(request_id).due_on
    return datetime.combine(due + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=5
    )


def test_expiry_frees_the_booths_and_a_late_payment_takes_them_back_if_still_free(
    app, make_request
):
    from exhibition.booths.models import BoothAssignment
    from exhibition.payments.services import run_due

    request_id = make_request(booths=("A01", "A02"))
    with app.app_context():
        assert run_due(now=_due_passed(app, request_id))["expired"] == 1
        assert _request(request_id).state is RequestState.EXPIRED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BoothAssignment)) == 0
    outcome, _, _ = credit(
        app, SLUG, _total(app, request_id), _reference(app, request_id), reference="FT1"
    )
    assert outcome == "paid"
    with app.app_context():
        held = db.session.scalars(sa.select(BoothAssignment.booth_id)).all()
        assert len(held) == 2 and _request(request_id).state is RequestState.PAID


def test_a_late_payment_for_booths_given_to_another_goes_to_the_refund_list(
    app, make_request, make_exhibitor
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments.services import run_due

    request_id = make_request(booths=("A01",))
    other = make_exhibitor()
    with app.app_context():
        run_due(now=_due_passed(app, request_id))
        booth = db.session.scalar(sa.select(Booth).where(Booth.code == "A01"))
        assign_booth(booth=booth, exhibitor=db.session.get(Exhibitor, other))
        db.session.commit()
    outcome, _, _ = credit(
        app, SLUG, _total(app, request_id), _reference(app, request_id), reference="FT1"
    )
    assert outcome == "error"
    with app.app_context():
        assert _request(request_id).state is RequestState.EXPIRED
        assert (
            db.session.scalar(sa.select(BankTransaction.refund_vnd))
            == _request(request_id).total_vnd
        )


def test_a_partly_paid_request_is_not_expired(app, make_request):
    from exhibition.payments.services import run_due

    request_id = make_request(booths=("A01",))
    credit(app, SLUG, 1_000_000, _reference(app, request_id), reference="FT1")
    with app.app_context():
        assert run_due(now=_due_passed(app, request_id))["expired"] == 0
        assert _request(request_id).state is RequestState.PARTIALLY_PAID


def test_the_webhook_key_is_kept_as_a_hash_and_compared_whole(app, payments_event):
    from exhibition.events.services import get_event
    from exhibition.payments.services import new_webhook_key, settings_of, webhook_key_matches

    with app.app_context():
        event = get_event(slug=payments_event)
        assert not webhook_key_matches(settings_of(event), "")
        key = new_webhook_key(event=event)
        db.session.commit()
        settings = settings_of(event)
        assert key not in settings.webhook_key_hash
        assert webhook_key_matches(settings, key)
        assert not webhook_key_matches(settings, key[:-1])
        assert not webhook_key_matches(None, key)


def test_the_reference_prefix_cannot_change_once_requests_carry_it(app, make_request):
    from exhibition.errors import DomainError
    from exhibition.events.services import get_event
    from exhibition.payments.services import save_settings
    from tests.payments.conftest import ACCOUNT

    make_request()
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            save_settings(event=get_event(slug=SLUG), **(ACCOUNT | {"reference_prefix": "EXPO"}))
        assert refused.value.code == "prefix_in_use"
        db.session.rollback()
        save_settings(event=get_event(slug=SLUG), **(ACCOUNT | {"due_days": 10}))


def test_received_amounts_must_be_positive(app, payments_event):
    from exhibition.errors import DomainError

    with pytest.raises(DomainError):
        credit(app, SLUG, 0, "x")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankTransaction)) == 0


def test_a_request_never_comes_to_less_than_nothing(app, make_request):
    from exhibition.errors import DomainError
    from exhibition.payments.services import add_line, remove_line

    request_id = make_request(booths=("A01",))
    with app.app_context():
        request = _request(request_id)
        with pytest.raises(DomainError) as refused:
            add_line(request=request, description_vi="Giảm", unit_price_vnd=-20_000_000, vat_rate=8)
        assert refused.value.code == "negative_total"
        db.session.rollback()
        request = _request(request_id)
        add_line(request=request, description_vi="Giảm giá", unit_price_vnd=-5_000_000, vat_rate=8)
        db.session.commit()
        request = _request(request_id)
        with pytest.raises(DomainError) as refused:  # the booth's line gone, the discount stays
            remove_line(request=request, line=request.lines[0])
        assert refused.value.code == "negative_total"
        db.session.rollback()
        assert _request(request_id).total_vnd == 16_200_000 - 5_400_000
