"""portal sign-outs end every session of the company

`exhibitors.portal_sign_outs`: a portal session holds the count it began with; signing out adds
one, so a copied cookie stops working too. Sessions from before hold only the company's number
and end once (the contact signs in again by e-mail).

Revision ID: 3f6c2b8e1d05
Revises: e13f7a9e3ac7
Create Date: 2026-12-05 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6c2b8e1d05'
down_revision = 'e13f7a9e3ac7'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both backends: a batch copy of `exhibitors` on SQLite would drop the
    # old table, and registrations (staff) cascade from it.
    op.add_column('exhibitors', sa.Column('portal_sign_outs', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.drop_column('exhibitors', 'portal_sign_outs')
