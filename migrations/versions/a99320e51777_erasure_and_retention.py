"""erasure and retention

A registration remembers when its person's data was erased; an exhibition says how many days
after its end personal data is kept (none: until erased by hand).

Revision ID: a99320e51777
Revises: 204c3e6c9c33
Create Date: 2026-11-26 19:53:42.748634

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a99320e51777'
down_revision = '204c3e6c9c33'
branch_labels = None
depends_on = None

RETENTION_CHECK = "retention_days IS NULL OR retention_days BETWEEN 0 AND 3650"


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN on both backends: on SQLite a batch copy of `events` or
    # `registrations` would drop the table, and with foreign keys on that deletes the rows that
    # cascade from it. SQLite takes a CHECK inside ADD COLUMN; PostgreSQL adds it as a constraint.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE events ADD COLUMN retention_days INTEGER"
            f" CONSTRAINT ck_events_retention_days CHECK ({RETENTION_CHECK})"
        )
    else:
        op.add_column('events', sa.Column('retention_days', sa.Integer(), nullable=True))
        op.create_check_constraint('ck_events_retention_days', 'events', RETENTION_CHECK)
    op.add_column('registrations', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # SQLite (3.35+) drops a column in place, without copying the table (see upgrade).
    op.drop_column('registrations', 'erased_at')
    op.drop_column('events', 'retention_days')
