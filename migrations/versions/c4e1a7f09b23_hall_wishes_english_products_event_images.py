"""a wish may name a hall; products in English; an exhibition's banner and logo

`booth_preferences.hall_id`: a company may wish for any booth of a hall ("A"), besides a booth or
a zone; the check that a wish names something counts the hall too. `booth_preferences` is a
leaf table (nothing refers to it), so copying it on SQLite loses nothing.
`exhibitors.main_products_en`: the English directory shows English product lines (falling back
to the Vietnamese ones). `events.banner_filename`, `events.logo_filename`: images on the
exhibition's public page.

Revision ID: c4e1a7f09b23
Revises: 3f6c2b8e1d05
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7f09b23'
down_revision = '3f6c2b8e1d05'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both backends: a batch copy of `exhibitors` or `events` on SQLite would
    # drop the old table, and everything referring to it would cascade away.
    op.add_column('exhibitors', sa.Column('main_products_en', sa.Text(), server_default='', nullable=False))
    op.add_column('events', sa.Column('banner_filename', sa.String(length=64), nullable=True))
    op.add_column('events', sa.Column('logo_filename', sa.String(length=64), nullable=True))
    with op.batch_alter_table('booth_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hall_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_booth_preferences_hall_id_halls'), 'halls', ['hall_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.drop_constraint(batch_op.f('ck_booth_preferences_booth_or_zone'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_booth_preferences_booth_hall_or_zone'),
            'booth_id IS NOT NULL OR hall_id IS NOT NULL OR zone IS NOT NULL',
        )


def downgrade():
    op.execute('DELETE FROM booth_preferences WHERE booth_id IS NULL AND zone IS NULL')
    with op.batch_alter_table('booth_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_booth_preferences_booth_hall_or_zone'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_booth_preferences_booth_or_zone'), 'booth_id IS NOT NULL OR zone IS NOT NULL'
        )
        batch_op.drop_constraint(batch_op.f('fk_booth_preferences_hall_id_halls'), type_='foreignkey')
        batch_op.drop_column('hall_id')
    op.drop_column('events', 'logo_filename')
    op.drop_column('events', 'banner_filename')
    op.drop_column('exhibitors', 'main_products_en')
