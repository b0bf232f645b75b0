"""proven addresses; a sign-up after a cancellation starts a fresh registration

`registrations.email_verified_at`: when the person followed a link sent to the address (an
invitation's, or the one in the confirmation e-mail). Registrations made by accepting an
invitation are proven from the time they were made.

One registration per address and event is now one *confirmed* registration (a partial unique
index): a cancelled registration keeps its scans, consents, mail and seats to itself, and signing
up again with its address makes a new one instead of reviving it for whoever typed the address.

Revision ID: 8d2f4a1c7e90
Revises: 6b1e0c2d9a47
Create Date: 2026-12-05 03:00:00.000000

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2f4a1c7e90'
down_revision = '6b1e0c2d9a47'
branch_labels = None
depends_on = None

CONFIRMED = sa.text("status = 'confirmed'")


@contextmanager
def _table_copied_safely():
    """On SQLite, changing a constraint copies the table, and dropping the old copy is a DELETE
    that cascades: every consent, presence and booking of a registration would go with it. The
    foreign keys are switched off meanwhile (only possible outside a transaction) and checked
    after, as SQLite's documentation prescribes for table changes."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        if sqlite:
            broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            assert not broken, broken
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    with _table_copied_safely(), op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_registrations_event_id_email_key', type_='unique')
    op.create_index(
        'uq_registrations_event_id_email_key', 'registrations', ['event_id', 'email_key'],
        unique=True, sqlite_where=CONFIRMED, postgresql_where=CONFIRMED,
    )
    op.execute(
        "UPDATE registrations SET email_verified_at = created_at WHERE id IN"
        " (SELECT registration_id FROM invitations WHERE registration_id IS NOT NULL)"
    )


def downgrade():
    # Only one registration per address may remain: a cancelled one is removed, with its history,
    # when its address has a confirmed registration or a later cancelled one.
    op.execute(
        "DELETE FROM registrations WHERE status = 'cancelled' AND EXISTS (SELECT 1 FROM"
        " registrations AS r WHERE r.event_id = registrations.event_id AND r.email_key ="
        " registrations.email_key AND (r.status = 'confirmed' OR r.id > registrations.id))"
    )
    op.drop_index('uq_registrations_event_id_email_key', table_name='registrations')
    with _table_copied_safely(), op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_registrations_event_id_email_key', ['event_id', 'email_key'])
        batch_op.drop_column('email_verified_at')
