"""check people in by hand: the staff member's own device, and the walk-in desk's setting

`devices.user_id`: a device standing for a staff member who checks people in by hand (the "check
in now" button of a registration's page, the walk-in desk), one per staff member and exhibition
(unique index; other devices have none). `events.desk_checks_in`: registering a person at the
walk-in desk also checks them in; on for every exhibition, existing ones included.

`events` gets a plain ADD COLUMN. A foreign key cannot be added to SQLite's `devices` without
copying the table, and dropping the old copy is a DELETE that cascades to every scan of every
device: the foreign keys are off during the copy and checked after it.

Revision ID: b7d4e2a9c610
Revises: c7e4a19b2d58
Create Date: 2026-12-05 09:00:00.000000

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e2a9c610'
down_revision = 'c7e4a19b2d58'
branch_labels = None
depends_on = None


@contextmanager
def _devices_copied_without_cascades():
    """SQLite's foreign keys off (a PRAGMA that only works outside a transaction) while the
    devices table is copied, so that no scan goes with the old copy; checked once it is done."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute('PRAGMA foreign_keys=OFF')
    try:
        yield
        if sqlite:
            dangling = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            assert not dangling, dangling
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    op.add_column('events', sa.Column('desk_checks_in', sa.Boolean(), server_default=sa.true(), nullable=False))
    with _devices_copied_without_cascades(), op.batch_alter_table('devices') as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_devices_user_id_users'), 'users', ['user_id'], ['id'], ondelete='SET NULL')
    op.create_index('uq_devices_event_id_user_id', 'devices', ['event_id', 'user_id'], unique=True)


def downgrade():
    op.drop_index('uq_devices_event_id_user_id', table_name='devices')
    with _devices_copied_without_cascades(), op.batch_alter_table('devices') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_devices_user_id_users'), type_='foreignkey')
        batch_op.drop_column('user_id')
    op.drop_column('events', 'desk_checks_in')
