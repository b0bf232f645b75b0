"""Organisers' booth forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import AT_MOST, Form, choices, text_field
from ..labels import label
from .models import BoothStatus, BoothType


def _metres(low: float, high: float) -> NumberRange:
    return NumberRange(
        min=low,
        max=high,
        message=_l("Enter a number of metres from %(low)s to %(high)s.", low=low, high=high),
    )


class BoothImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class BoothForm(Form):
    """What organisers change on one booth: status, zone, theme, price, type, place and size.

    Place and size left blank keep their current values.
    """

    status = SelectField(_l("Status"), validators=[DataRequired(_l("Choose a status."))])
    zone = text_field(_l("Zone"), max=32, message=AT_MOST)
    sector = SelectField(_l("Sector theme"), validators=[Optional(strip_whitespace=False)])
    price_vnd = IntegerField(
        _l("Price (VND)"),
        validators=[
            InputRequired(_l("Enter a price.")),
            NumberRange(min=0, max=10**12, message=_l("Enter a price of 0 or more.")),
        ],
    )

    type = SelectField(_l("Type"), validators=[Optional(strip_whitespace=False)])
    x_m = FloatField(_l("Left edge (m)"), validators=[Optional(), _metres(0, 1000)])
    y_m = FloatField(_l("Top edge (m)"), validators=[Optional(), _metres(0, 1000)])
    width_m = FloatField(_l("Width (m)"), validators=[Optional(), _metres(0.5, 200)])
    depth_m = FloatField(_l("Depth (m)"), validators=[Optional(), _metres(0.5, 200)])

    def setup_choices(self, sectors) -> None:
        self.type.choices = choices((t.value, label(t)) for t in BoothType)
        self.status.choices = choices((s.value, label(s)) for s in BoothStatus)
        self.sector.choices = choices(
            [("", _l("Any sector"))] + [(s.code, s.tr("name")) for s in sectors]
        )
