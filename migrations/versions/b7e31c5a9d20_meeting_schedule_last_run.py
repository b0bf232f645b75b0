"""meeting schedule: the last scheduling run of a session

Revision ID: b7e31c5a9d20
Revises: dadd48037983
Create Date: 2026-12-06 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e31c5a9d20'
down_revision = 'dadd48037983'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_run', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_run')
