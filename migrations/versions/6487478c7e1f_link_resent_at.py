"""link re-sent at

A registration remembers when its link was last e-mailed again to someone signing up with its
address: the pause between two such e-mails is kept by one conditional update of this column,
instead of looking for a recent message first (twenty sign-ups at once sent several).

Existing rows take the time of their latest "again" e-mail, so the pause holds across the upgrade.

Revision ID: 6487478c7e1f
Revises: 6b1f0c2d9e47
Create Date: 2026-12-05 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6487478c7e1f'
down_revision = '6b1f0c2d9e47'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both backends: on SQLite a batch copy of `registrations` would drop the
    # table, and with foreign keys on that deletes the rows that cascade from it.
    op.add_column('registrations', sa.Column('link_resent_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE registrations SET link_resent_at = ("
        " SELECT max(outbox_messages.created_at) FROM outbox_messages"
        " WHERE outbox_messages.registration_id = registrations.id"
        " AND outbox_messages.kind = 'confirmation_again')"
    )


def downgrade():
    # SQLite (3.35+) drops a column in place, without copying the table (see upgrade).
    op.drop_column('registrations', 'link_resent_at')
