"""Factories for booth fees: an exhibition with a receiving account, and exhibitors holding
booths with a payment request."""

import pytest
import sqlalchemy as sa

from exhibition.extensions import db

ACCOUNT = dict(
    bank_bin="970436",
    account_number="0031000123456",
    account_holder="SO CONG THUONG HAI PHONG",
    reference_prefix="HP26",
    due_days=14,
    default_vat_rate=8,
    seller_tax_code="0200123456",
    seller_address="Số 1 Đinh Tiên Hoàng, phường Hồng Bàng, thành phố Hải Phòng",
)


@pytest.fixture
def payments_event(app, make_event, make_floor):
    """The exhibition (slug expo-2026) with booths A01..A06 at 15,000,000 ₫ and its account."""
    from exhibition.events.services import get_event
    from exhibition.payments.services import save_settings

    slug = make_event()
    make_floor(count=6)
    with app.app_context():
        save_settings(event=get_event(slug=slug), **ACCOUNT)
        db.session.commit()
    return slug


@pytest.fixture
def make_request(app, payments_event, make_exhibitor):
    """An exhibitor holding `booths` (codes), confirmed, with its payment request; returns the
    request's id. With `vat_rate`, the account's default rate is changed first."""
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments.services import create_request

    def factory(booths=("A01",), **exhibitor_fields):
        exhibitor_id = make_exhibitor(**exhibitor_fields)
        with app.app_context():
            event = get_event(slug=payments_event)
            exhibitor = db.session.get(Exhibitor, exhibitor_id)
            for code in booths:
                booth = db.session.scalar(
                    sa.select(Booth).where(Booth.event_id == event.id, Booth.code == code)
                )
                assign_booth(booth=booth, exhibitor=exhibitor)
            request = create_request(exhibitor=exhibitor)
            db.session.commit()
            return request.id

    return factory


def credit(app, slug, amount, memo, *, reference="", source="statement", day=None, **more):
    """Receive a credit on the exhibition's account as a statement row or webhook gives it;
    returns (outcome value, request id, new)."""
    from datetime import date

    from exhibition.events.services import get_event
    from exhibition.payments.matching import Received, receive
    from exhibition.payments.models import Source

    with app.app_context():
        transaction, new = receive(
            event=get_event(slug=slug),
            item=Received(
                amount_vnd=amount,
                booked_on=day or date.today(),
                memo=memo,
                bank_reference=reference,
                **more,
            ),
            source=Source(source),
        )
        db.session.commit()
        return transaction.outcome.value, transaction.request_id, new
