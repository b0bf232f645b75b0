"""lead retention reminders; sharing consent versions name the chosen fields

Exhibitors record when their contact was told that the leads will be deleted in 14 and in 3
days (each sent once). A consent's wording version grows to 40 characters: the sharing consent's
version carries the letters of the fields the organiser chose ("2026-01+NEP").

Revision ID: c4d81e6f2a37
Revises: aa80c09b827e
Create Date: 2026-12-06 07:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d81e6f2a37'
down_revision = 'aa80c09b827e'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN on `exhibitors`: on SQLite a batch copy would drop the table, and
    # with foreign keys on that deletes every row that cascades from it (booths, payments, staff).
    op.add_column('exhibitors', sa.Column('leads_reminded_14_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('exhibitors', sa.Column('leads_reminded_3_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.alter_column(
            'wording_version',
            existing_type=sa.String(length=20),
            type_=sa.String(length=40),
            existing_nullable=False,
        )


def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.alter_column(
            'wording_version',
            existing_type=sa.String(length=40),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
    op.drop_column('exhibitors', 'leads_reminded_3_at')
    op.drop_column('exhibitors', 'leads_reminded_14_at')
