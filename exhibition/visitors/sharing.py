"""The wording of the consent to share with exhibitors who scan the badge: it names the fields
the organiser chose (Event.lead_fields), and its recorded version says which, so that every
answer keeps the words it was given to (consent records are never edited)."""

from flask_babel import gettext as _

from ..events.models import Event
from ..exhibitors.lead_models import LeadField
from ..exhibitors.leads import chosen_fields

# The fields of the wording of version Event.consent_version as first written (the sign-up form
# named exactly these): an answer under that choice keeps the plain version.
_FIRST_WORDING = [
    LeadField.NAME,
    LeadField.ORGANISATION,
    LeadField.JOB_TITLE,
    LeadField.EMAIL,
    LeadField.PHONE,
]
# One letter per field in the recorded version: "2026-01+NEP" is version 2026-01 naming the
# name, the e-mail and the province.
_LETTERS = {
    LeadField.NAME: "N",
    LeadField.ORGANISATION: "O",
    LeadField.JOB_TITLE: "J",
    LeadField.EMAIL: "E",
    LeadField.PHONE: "T",
    LeadField.PROVINCE: "P",
    LeadField.SECTORS: "S",
}


def share_version(event: Event) -> str:
    """The wording version recorded with an answer to the sharing consent of this exhibition."""
    fields = chosen_fields(event)
    if fields == _FIRST_WORDING:
        return event.consent_version
    return event.consent_version + "+" + "".join(_LETTERS[field] for field in fields)


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
