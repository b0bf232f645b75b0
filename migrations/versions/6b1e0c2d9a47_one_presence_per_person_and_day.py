"""one presence per person and day; scans outside the exhibition's days

A person's presence is one row per day, whichever entrances they use (it was one per entrance, so
a badge inside by one gate was let in again at another). Rows of one person and day at several
entrances are merged: inside if they were inside anywhere, the first entry and latest change
kept, the entrance of the latest change remembered.

Scans get the amber result `not_today` (an entrance scanning on a day the exhibition is not on)
and `admitted` (the operator let the person in all the same).

Revision ID: 6b1e0c2d9a47
Revises: 05a3332c2cf4
Create Date: 2026-12-05 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b1e0c2d9a47'
down_revision = '05a3332c2cf4'
branch_labels = None
depends_on = None

RESULTS = "'ok', 'already_checked_in', 'invalid', 'cancelled', 'wrong_event', 'not_registered', 'no_session'"


def _merge_presences():
    connection = op.get_bind()
    presences = sa.table(
        'presences', sa.column('id'), sa.column('registration_id'), sa.column('day', sa.Date),
        sa.column('checkpoint_id'), sa.column('inside'), sa.column('first_entry_at'),
        sa.column('last_change_at'), sa.column('exit_scan_id'),
    )
    doubles = connection.execute(
        sa.select(presences.c.registration_id, presences.c.day)
        .group_by(presences.c.registration_id, presences.c.day)
        .having(sa.func.count() > 1)
    ).all()
    for registration_id, day in doubles:
        rows = connection.execute(
            sa.select(presences).where(
                presences.c.registration_id == registration_id, presences.c.day == day
            ).order_by(presences.c.id)
        ).all()
        latest = max(rows, key=lambda row: (row.last_change_at, row.id))
        keep = rows[0]
        connection.execute(  # first: the old key (with the entrance) must stay unique
            presences.delete().where(presences.c.id.in_([row.id for row in rows[1:]]))
        )
        connection.execute(
            presences.update().where(presences.c.id == keep.id).values(
                inside=any(row.inside for row in rows),
                first_entry_at=min(row.first_entry_at for row in rows),
                last_change_at=latest.last_change_at,
                checkpoint_id=latest.checkpoint_id,
                exit_scan_id=latest.exit_scan_id,
            )
        )


def upgrade():
    _merge_presences()
    with op.batch_alter_table('presences', schema=None) as batch_op:
        batch_op.drop_constraint('uq_presences_registration_id_checkpoint_id_day', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_presences_registration_id_day'), ['registration_id', 'day'])

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admitted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(op.f('ck_scans_result'), type_='check')
        batch_op.create_check_constraint('result', f"result IN ({RESULTS}, 'not_today')")


def downgrade():
    op.execute("DELETE FROM scans WHERE result = 'not_today'")
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_scans_result'), type_='check')
        batch_op.create_check_constraint('result', f"result IN ({RESULTS})")
        batch_op.drop_column('admitted')

    with op.batch_alter_table('presences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_presences_registration_id_day'), type_='unique')
        batch_op.create_unique_constraint('uq_presences_registration_id_checkpoint_id_day', ['registration_id', 'checkpoint_id', 'day'])
