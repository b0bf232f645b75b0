"""exit scan of a presence

A presence remembers the exit scan that marked the person outside, which may be at another
entrance than the one they came in by; undoing that exit puts them back inside.

Revision ID: 05a3332c2cf4
Revises: a99320e51777
Create Date: 2026-11-27 00:51:33.845682

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '05a3332c2cf4'
down_revision = 'a99320e51777'
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite the batch copies `presences`: no table refers to it, so nothing cascades.
    with op.batch_alter_table('presences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exit_scan_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_presences_exit_scan_id_scans'), 'scans', ['exit_scan_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('presences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_presences_exit_scan_id_scans'), type_='foreignkey')
        batch_op.drop_column('exit_scan_id')
