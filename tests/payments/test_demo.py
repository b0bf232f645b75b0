"""The demo exhibition's payments: every state of a request and every outcome of a transfer, and
the sample statement that `flask seed-demo` writes, which imports cleanly."""

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.payments.models import BankTransaction, Outcome, PaymentRequest, RequestState


def test_the_demo_has_requests_in_every_state_and_transfers_of_every_outcome(app, tmp_path):
    from exhibition.events.demo import seed_demo
    from exhibition.payments.demo import write_sample_statement
    from exhibition.payments.models import BankProfile
    from exhibition.payments.statements import import_statement

    with app.app_context():
        event, _ = seed_demo(visitors=3)
        db.session.commit()
        states = set(db.session.scalars(sa.select(PaymentRequest.state)))
        outcomes = set(db.session.scalars(sa.select(BankTransaction.outcome)))
        assert states == set(RequestState)
        assert outcomes == set(Outcome)
        recorded = db.session.scalars(
            sa.select(PaymentRequest.einvoice_symbol).where(PaymentRequest.einvoice_number != "")
        ).all()
        assert len(recorded) == 1 and recorded[0].startswith("1C")
        owed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PaymentRequest)
            .where(PaymentRequest.state.in_((RequestState.OPEN, RequestState.PARTIALLY_PAID)))
        )
        sample = write_sample_statement(event=event, folder=tmp_path)
        profile = db.session.scalar(sa.select(BankProfile))
        summary = import_statement(
            event=event, profile=profile, data=sample.read_bytes(), filename=sample.name
        )
        db.session.commit()
        # Every request still owed gets a transfer: the first one short, so partly paid.
        assert summary.outcomes[Outcome.PARTIAL] == 1
        assert summary.outcomes[Outcome.PAID] == owed - 1
        assert summary.outcomes[Outcome.UNMATCHED] == 1
        again = import_statement(
            event=event, profile=profile, data=sample.read_bytes(), filename=sample.name
        )
        assert again.added == 0
