"""The business-matching section of a person's "my registration" page
(templates/matchmaking/_manage.html): their profile or the form to join, their requests and
meetings."""

from ..dbtypes import utcnow
from ..visitors import services as visitor_services
from . import participants, requests
from .actions import slot_value
from .forms import AcceptForm, DeclineForm, ProfileForm
from .models import RequestState
from .sessions import sessions_of


def fill_default_profile(form: ProfileForm, registration) -> None:
    """A new participant's profile as their registration suggests it."""
    form.side.data = participants.default_side(registration).value
    form.company.data = registration.organisation or ""
    form.sectors.data = [s.code for s in registration.sectors]


def matching_of(registration) -> dict | None:
    """What the business-matching section of "my registration" shows (None: no session)."""
    event = registration.event
    sessions = sessions_of(event=event)
    if not sessions or registration.is_erased:
        return None
    me = participants.participant_of(registration)
    now = utcnow()
    found = requests.requests_of(me) if me is not None else []
    pending = [r for r in found if r.state is RequestState.PENDING and r.expires_at > now]
    received = [r for r in pending if r.recipient_id == me.id]
    sent = [r for r in pending if r.requester_id == me.id]
    answered = [r for r in found if r not in pending][:20]
    meetings = requests.meetings_of(me) if me is not None else []
    form = None
    if me is None or not me.listed:
        form = ProfileForm(formdata=None)
        form.setup_choices(sectors=visitor_services.sectors())
        if me is not None:
            form.fill_from(me)
        else:
            fill_default_profile(form, registration)
    return {
        "profile_form": form,
        "sessions": sessions,
        "me": me,
        "now": now,
        "received": received,
        "sent": sent,
        "answered": answered,
        "meetings": meetings,
        "accept_form": lambda r: AcceptForm(formdata=None, prefix=f"r{r.id}"),
        "decline_form": lambda r: DeclineForm(formdata=None, prefix=f"r{r.id}"),
        "slot_value": slot_value,
        "late": lambda m: requests.is_late(m, now),
        "state_of": lambda r: requests.state_of(r, now),
    }
