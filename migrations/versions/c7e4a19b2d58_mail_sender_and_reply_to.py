"""an exhibition's e-mails come from its sender name and are answered to its contact address

`events.mail_sender_vi`, `events.mail_sender_en`: the name on the From line per language (empty:
the organiser's name). `outbox_messages.sender_name`, `outbox_messages.reply_to`: set when a
message is written, so the row keeps what was sent. Messages not sent yet get them from their
exhibition now.

Revision ID: c7e4a19b2d58
Revises: c4e1a7f09b23
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e4a19b2d58'
down_revision = 'c4e1a7f09b23'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both backends: a batch copy of `events` on SQLite would drop the old
    # table, and everything of the exhibition cascades from it.
    op.add_column('events', sa.Column('mail_sender_vi', sa.String(length=120), server_default='', nullable=False))
    op.add_column('events', sa.Column('mail_sender_en', sa.String(length=120), server_default='', nullable=False))
    op.add_column('outbox_messages', sa.Column('sender_name', sa.String(length=120), server_default='', nullable=False))
    op.add_column('outbox_messages', sa.Column('reply_to', sa.String(length=254), server_default='', nullable=False))
    # What enqueue() now writes, for the messages still to be sent (the organiser's name, in the
    # message's language first): a sent message keeps the headers it went with.
    op.execute(
        """
        UPDATE outbox_messages SET
          reply_to = COALESCE((SELECT e.contact_email FROM events e
                               WHERE e.id = outbox_messages.event_id), ''),
          sender_name = COALESCE((SELECT SUBSTR(CASE
                 WHEN outbox_messages.language = 'en' AND e.organiser_en <> '' THEN e.organiser_en
                 WHEN outbox_messages.language = 'en' AND e.name_en <> '' THEN e.name_en
                 WHEN e.organiser_vi <> '' THEN e.organiser_vi
                 ELSE e.name_vi END, 1, 120)
               FROM events e WHERE e.id = outbox_messages.event_id), '')
        WHERE event_id IS NOT NULL AND status IN ('pending', 'sending', 'failed')
        """
    )


def downgrade():
    op.drop_column('outbox_messages', 'reply_to')
    op.drop_column('outbox_messages', 'sender_name')
    op.drop_column('events', 'mail_sender_en')
    op.drop_column('events', 'mail_sender_vi')
