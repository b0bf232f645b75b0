"""The wording of the consent to share with exhibitors who scan the badge: it names the fields
the organiser chose (Event.lead_fields), and its recorded version says which, so that every
answer keeps the words it was given to (consent records are never edited)."""

from flask_babel import gettext as _

from ..events.models import Event
from ..exhibitors import leads
from ..exhibitors.leads import chosen_fields


def share_version(event: Event) -> str:
    """The wording version recorded with an answer to the sharing consent (exhibitors.leads)."""
    return leads.share_version(event)


def shared_fields_text(event: Event) -> str:
    """The chosen fields' names as the reader's language lists them."""
    from ..labels import label  # labels imports every domain, this module among them

    return ", ".join(str(label(field)) for field in chosen_fields(event))


def sign_up_wording(event: Event) -> str:
    """The sharing consent on the sign-up form."""
    return _(
        "I agree that exhibitors who scan my badge at their booth receive these details of mine: %(fields)s.",
        fields=shared_fields_text(event),
    )


def manage_wording(event: Event) -> str:
    """The sharing consent on "my registration"."""
    return _(
        "Exhibitors who scan my badge at their booth may receive these details of mine: %(fields)s.",
        fields=shared_fields_text(event),
    )
