"""How a meeting's place reads on pages, in e-mails, PDFs and exports."""

from flask_babel import gettext as _

from .models import Meeting, PlaceKind


def meeting_place(meeting: Meeting) -> str:
    """ "Bàn 7 · Phòng họp B" or "Gian hàng A12 · Công ty …", in the current language."""
    if meeting.place_kind is PlaceKind.TABLE:
        room = meeting.session.tr("room")
        text = _("Table %(number)d", number=meeting.table_number)
        return f"{text} · {room}" if room else text
    exhibitor = meeting.exhibitor
    codes = ", ".join(booth.code for booth in exhibitor.booths) if exhibitor else ""
    name = exhibitor.tr("company_name") if exhibitor else ""
    text = _("Booth %(codes)s", codes=codes) if codes else _("At the exhibitor's booth")
    return f"{text} · {name}" if name else text
