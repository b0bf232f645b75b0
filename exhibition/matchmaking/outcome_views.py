"""A participant rates a meeting after its slot, from the link of their registration."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from ..errors import DomainError, NotFound
from ..extensions import db, guess_limit, limiter
from ..forms import AT_MOST, Form, choices, text_area
from ..labels import label
from ..visitors.views import _registration
from . import outcomes
from .models import MESSAGE_LENGTH, Outcome, Participant

bp = Blueprint("matching_outcomes", __name__)


class RatingForm(Form):
    outcome = RadioField(
        _l("How did the meeting go?"),
        validators=[InputRequired(_l("Choose how the meeting went."))],
    )
    note = text_area(_l("Note (optional)"), max=MESSAGE_LENGTH, message=AT_MOST[MESSAGE_LENGTH])

    def setup_choices(self) -> None:
        self.outcome.choices = choices([(o.value, label(o)) for o in Outcome])


def _participant(registration) -> Participant:
    participant = db.session.scalar(
        sa.select(Participant).where(Participant.registration_id == registration.id)
    )
    if participant is None:
        raise NotFound()
    return participant


@bp.route("/r/<token>/matching/meetings/<int:meeting_id>/rate", methods=["GET", "POST"])
@guess_limit
@limiter.limit("60 per minute")
def rate(token: str, meeting_id: int):
    """After a meeting: how it went (once per side), with a note."""
    registration = _registration(token)
    participant = _participant(registration)
    meeting = outcomes.meeting_of(participant=participant, meeting_id=meeting_id)
    rating = outcomes.rating_of(meeting, participant)
    form = RatingForm()
    form.setup_choices()
    if rating is None and form.validate_on_submit():
        try:
            outcomes.rate(
                meeting=meeting,
                participant=participant,
                outcome=Outcome(form.outcome.data),
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Thank you: your rating is saved."), "success")
            return redirect(url_for(".rate", token=token, meeting_id=meeting.id))
    return render_template(
        "matchmaking/rate.html",
        event=registration.event,
        registration=registration,
        meeting=meeting,
        other=meeting.other(participant),
        rating=rating or outcomes.rating_of(meeting, participant),
        open=outcomes.may_rate(meeting, participant),
        form=form,
    ), (422 if form.errors else 200)
