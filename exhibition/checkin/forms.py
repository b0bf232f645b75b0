"""Organisers' forms for checkpoints and devices."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Optional

from ..forms import Form, choices, text_field


class CheckpointForm(Form):
    name_vi = text_field(
        _l("Name (Vietnamese)"), required=_l("Enter a name, such as Cổng A."), max=80
    )
    name_en = text_field(_l("Name (English)"), max=80)
    room = SelectField(_l("Door of"), validators=[Optional(strip_whitespace=False)])
    allow_reentry = BooleanField(_l("Re-entry after an exit is allowed"), default=True)
    print_on_arrival = BooleanField(_l("Print the badge when someone is let in"), default=False)
    daily = BooleanField(
        _l("A badge counts once per day (not once for the whole event)"), default=True
    )

    def setup_choices(self, rooms) -> None:
        self.room.choices = choices(
            [("", _l("The exhibition (an entrance)"))] + [(str(r.id), r.tr("name")) for r in rooms]
        )


class DeviceForm(Form):
    name = text_field(_l("Device name"), required=_l("Enter a name, such as Gate 1."), max=80)
    checkpoint = SelectField(
        _l("Checkpoint"), validators=[DataRequired(_l("Choose a checkpoint."))]
    )

    def setup_choices(self, checkpoints) -> None:
        self.checkpoint.choices = choices([(str(c.id), c.tr("name")) for c in checkpoints])
