"""session token of staff accounts

Every session and remember-me cookie of a staff account holds the account's session token;
signing out, a new password or switching the account off gives it a new one, which ends every
earlier cookie. Existing accounts get a random token each (their open sessions, which hold only
the account's number, end once: everyone signs in again after the upgrade).

Revision ID: 6b1f0c2d9e47
Revises: 8d2f4a1c7e90
Create Date: 2026-11-27 10:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b1f0c2d9e47'
down_revision = '8d2f4a1c7e90'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (no table copy on SQLite: memberships and audit entries refer to users).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), server_default='', nullable=False))

    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16))
        )


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35 and later): a batch would copy `users`, and dropping the
    # old table would cascade to the memberships.
    op.drop_column('users', 'session_token')
