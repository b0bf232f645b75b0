"""calendar feeds get their own secret

The "my sessions" calendar feed (/events/<slug>/programme/my/<secret>.ics) used the registration's
manage token, so anyone with the calendar's address (shared in Google Calendar or Outlook) could
open, change, cancel and erase the registration and download the person's data. Each registration
now has a separate, read-only `feed_token` (256 bits, unique index), and the feed answers only to
it; the manage token no longer answers as a feed.

What happens to the links people have (decision for issue 13):

- The feed's address was shown only on the "my registration" page, and only while the person had
  a seat, a waiting-list place or a request in a session (the sessions section of
  templates/visitors/manage.html); it was never in an e-mail. So a manage token can have been
  exposed through a calendar only for registrations that had a booking at some time: those with a
  row in session_bookings (bookings are never deleted, only cancelled or declined, except with
  their session), those sent an e-mail about a seat (kinds session_*, which also covers sessions
  deleted since: their people were told), and delegates registered through an invitation.
- For those registrations today's manage token becomes the feed secret, so calendars subscribed
  to the old address keep working, and they get a fresh manage token: the old "my registration"
  link (in their confirmation e-mail) stops working, everywhere under /r/. They are marked
  `new_link_pending_since` and `flask send-new-links` (run once after this upgrade, see
  docs/deployment.md) e-mails each their new link, once. Erased people and walk-ins without an
  address are rotated but have nobody to write to.
- Every other registration keeps its manage token (its link was never part of a feed address)
  and gets a new random feed secret. All registrations are not rotated: that would break
  everyone's e-mailed link and mail the whole list, for links that were never exposed.

Downgrading drops the feed secret and keeps the new manage tokens (the old ones were exposed).

Revision ID: e13f7a9e3ac7
Revises: 6487478c7e1f
Create Date: 2026-12-05 02:10:00.000000

"""
import secrets
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e13f7a9e3ac7'
down_revision = '6487478c7e1f'
branch_labels = None
depends_on = None

SESSION_MAIL_KINDS = ("session_promoted", "session_approved", "session_waiting",
                      "session_declined", "session_changed", "session_cancelled")
# Addresses that receive nothing: walk-ins without e-mail and erased people (visitors.models).
NO_MAIL_DOMAINS = ("desk.invalid", "erased.invalid")

registrations = sa.table(
    "registrations",
    sa.column("id", sa.Integer),
    sa.column("manage_token", sa.String),
    sa.column("feed_token", sa.String),
    sa.column("new_link_pending_since", sa.DateTime(timezone=True)),
)


def _new_secret() -> str:
    # As badges.services.new_feed_token / new_manage_token (not imported: a migration stays as
    # it was written).
    return secrets.token_urlsafe(32)


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # Plain ADD COLUMN on both backends: on SQLite a batch copy of `registrations` would drop the
    # table, and with foreign keys on that deletes the rows that cascade from it. SQLite takes
    # NOT NULL in ADD COLUMN only with a default; every row gets its own secret below.
    if sqlite:
        op.execute("ALTER TABLE registrations ADD COLUMN feed_token VARCHAR(64) NOT NULL DEFAULT ''")
    else:
        op.add_column('registrations', sa.Column('feed_token', sa.String(length=64), nullable=True))
    op.add_column('registrations', sa.Column('new_link_pending_since', sa.DateTime(timezone=True), nullable=True))

    kinds = ", ".join(f"'{kind}'" for kind in SESSION_MAIL_KINDS)
    deliverable = " AND ".join(f"r.email NOT LIKE '%@{domain}'" for domain in NO_MAIL_DOMAINS)
    rows = bind.execute(sa.text(
        "SELECT r.id, r.manage_token,"
        " (EXISTS (SELECT 1 FROM session_bookings b WHERE b.registration_id = r.id)"
        f"  OR EXISTS (SELECT 1 FROM outbox_messages m WHERE m.registration_id = r.id AND m.kind IN ({kinds}))"
        "  OR r.source = 'invitation') AS exposed,"
        f" (r.erased_at IS NULL AND {deliverable}) AS deliverable"
        " FROM registrations r ORDER BY r.id"
    )).all()
    now = datetime.now(UTC)
    if sqlite:
        now = now.replace(tzinfo=None)  # stored as naive UTC there (dbtypes.UTCDateTime)
    values = []
    for row_id, manage_token, exposed, deliverable in rows:
        if exposed:
            values.append({"rid": row_id, "feed": manage_token, "manage": _new_secret(),
                           "pending": now if deliverable else None})
        else:
            values.append({"rid": row_id, "feed": _new_secret(), "manage": manage_token,
                           "pending": None})
    update = (
        registrations.update()
        .where(registrations.c.id == sa.bindparam("rid"))
        .values(feed_token=sa.bindparam("feed"), manage_token=sa.bindparam("manage"),
                new_link_pending_since=sa.bindparam("pending"))
    )
    for start in range(0, len(values), 1000):
        bind.execute(update, values[start:start + 1000])

    if not sqlite:
        op.alter_column('registrations', 'feed_token', existing_type=sa.String(length=64), nullable=False)
    op.create_index('ix_registrations_feed_token', 'registrations', ['feed_token'], unique=True)


def downgrade():
    # SQLite (3.35+) drops a column in place, without copying the table, once it has no index.
    op.drop_index('ix_registrations_feed_token', table_name='registrations')
    op.drop_column('registrations', 'new_link_pending_since')
    op.drop_column('registrations', 'feed_token')
