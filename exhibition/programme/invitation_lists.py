"""The organisers' view of a session's invitations: the list by number, its counts, the export."""

from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..exports import chunked
from ..extensions import db
from ..labels import label, language_name
from ..phone import display_phone
from .invitations import InvitationNotFound
from .models import ConferenceSession, Invitation, InvitationStatus, number_label


def invitations_query(*, session: ConferenceSession, status: str = ""):
    """A select of a session's invitations by number, optionally of one status."""
    stmt = sa.select(Invitation).where(Invitation.session_id == session.id)
    if status in {s.value for s in InvitationStatus}:
        stmt = stmt.where(Invitation.status == InvitationStatus(status))
    return stmt.order_by(Invitation.number)


def counts(*, session: ConferenceSession) -> dict[InvitationStatus, int]:
    """How many invitations of a session are in each status."""
    found = dict(
        db.session.execute(
            sa.select(Invitation.status, sa.func.count(Invitation.id))
            .where(Invitation.session_id == session.id)
            .group_by(Invitation.status)
        ).all()
    )
    return {status: found.get(status, 0) for status in InvitationStatus}


def get_invitation(*, session: ConferenceSession, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.session_id != session.id:
        raise InvitationNotFound()
    return invitation


# The columns of the invitations export, in the language of the file (see exports.py).
EXPORT_COLUMNS = [
    _l("No."), _l("Full name"), _l("Position"), _l("Organisation"), _l("E-mail"), _l("Phone"),
    _l("Language for e-mails"), _l("Answer"), _l("Times sent"), _l("Last sent"),
    _l("Answered at"), _l("Badge code"),
]  # fmt: skip


def export_rows(*, stmt) -> Iterator[list]:
    """Rows for the invitations selected by `stmt`, typed (exports.py writes them), in the
    current language: read inside force_locale with the language of the file (a chunk at a
    time from the database, as the rows are taken)."""
    for x in chunked(stmt.options(sa.orm.joinedload(Invitation.registration))):
        yield [
            number_label(x.number), x.full_name, x.position, x.organisation, x.email,
            display_phone(x.phone) if x.phone else "", language_name(x.language), label(x.status),
            x.sent_count, x.last_sent_at, x.answered_at,
            x.registration.badge_code if x.registration is not None else "",
        ]  # fmt: skip
