"""The payment request as a PDF ("Giấy đề nghị thanh toán" / "Payment request") on A4: the
organiser, the exhibitor as the buyer, the lines with their VAT, the totals in figures and in
Vietnamese words, and how to pay (bank, account, amount, memo and the VietQR of what is owed).

Written in the exhibitor contact's language. The amounts in words stay Vietnamese in an English
document too: that is what Vietnamese accounting reads."""

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf.fonts import FontFace

from ..exhibitors.models import Exhibitor, format_tax_code
from ..extensions import db
from ..i18n import local_date, money, number
from ..labels import label
from ..pdf import ACCENT, FONT, HEADING_FILL, INK, MUTED, RULE, Sheet, nfc
from .models import UNPAID, PaymentRequest, PaymentSettings
from .money import in_words
from .transfer import Transfer, transfer_of

LANGUAGES = ("vi", "en")


def filename(request: PaymentRequest, language: str) -> str:
    """The file's name: de-nghi-thanh-toan-<reference>.pdf, or payment-request-<reference>.pdf."""
    stem = "payment-request" if language == "en" else "de-nghi-thanh-toan"
    return f"{stem}-{request.reference}.pdf"


def address_of(exhibitor: Exhibitor, language: str) -> str:
    """Street, commune and province (on the 34-province map), as an address line."""
    province = exhibitor.province.tr("name", language) if exhibitor.province else ""
    return ", ".join(
        part.strip()
        for part in (exhibitor.street, exhibitor.commune, province)
        if part and part.strip()
    )


class _RequestPDF(Sheet):
    def field(
        self,
        caption: str,
        value: str,
        *,
        width: float | None = None,
        caption_w: float = 38,
        bold: bool = False,
        size: float = 9.5,
    ) -> None:
        """A caption and its value; a long value wraps under itself, never past the margin."""
        width = width or self.epw
        x, y = self.get_x(), self.get_y()
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        self.multi_cell(caption_w - 2, 5, caption, new_x="RIGHT", new_y="TOP")
        caption_bottom = self.get_y()
        self.set_xy(x + caption_w, y)
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*INK)
        self.multi_cell(width - caption_w, 5, value or "–", align="L", new_x="LEFT", new_y="NEXT")
        self.set_xy(x, max(self.get_y(), caption_bottom) + 0.8)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FONT, "B", 10)
        self.set_text_color(*ACCENT)
        self.cell(0, 6, text.upper(), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_line_width(0.2)
        self.ln(2)

    def room_for(self, height: float) -> None:
        """A new page unless `height` millimetres still fit on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()


def render(request: PaymentRequest, *, language: str | None = None) -> bytes:
    """The request as a PDF in `language` (the exhibitor contact's by default)."""
    exhibitor = request.exhibitor
    language = language if language in LANGUAGES else exhibitor.contact_language
    language = language if language in LANGUAGES else "vi"
    settings = db.session.get(PaymentSettings, request.event_id)
    with force_locale(language):
        return _render(request, language, settings)


def _render(request: PaymentRequest, language: str, settings: PaymentSettings) -> bytes:
    exhibitor = request.exhibitor
    event = exhibitor.event
    organiser = nfc(event.tr("organiser", language) or event.tr("name", language))
    title = _("Payment request")
    pdf = _RequestPDF(f"{organiser} · {title} {request.reference}")
    pdf.set_title(f"{title} {request.reference}")
    pdf.set_author(organiser)
    pdf.add_page()
    width = pdf.epw
    left = pdf.l_margin

    # The organiser (the seller), and the request's number and dates at the right.
    top = pdf.get_y()
    box_w = 62
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(width - box_w - 6, 5.5, organiser, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 8.5)
    if settings is not None and settings.seller_address:
        pdf.multi_cell(
            width - box_w - 6, 4.5, nfc(settings.seller_address), new_x="LMARGIN", new_y="NEXT"
        )
    if settings is not None and settings.seller_tax_code:
        pdf.multi_cell(
            width - box_w - 6,
            4.5,
            f"{_('Tax code')}: {_tax_code(settings.seller_tax_code)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if event.contact_email:
        pdf.multi_cell(
            width - box_w - 6,
            4.5,
            f"{_('E-mail')}: {event.contact_email}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    left_bottom = pdf.get_y()
    pdf.set_xy(left + width - box_w, top)
    _facts_box(
        pdf,
        box_w,
        (
            (_("Request number"), request.reference),
            (_("Date of request"), _day(request.created_at.astimezone(event.tz).date())),
            (_("Due date"), _day(request.due_on)),
        ),
    )
    pdf.set_xy(left, max(left_bottom, pdf.get_y()) + 6)

    # The title.
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 8, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        width,
        5,
        _("Booth fees – %(event)s", event=nfc(event.tr("name", language))),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if request.state not in UNPAID:
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(176, 42, 55)
        pdf.multi_cell(
            width,
            6,
            f"{_('Status')}: {label(request.state)}",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(3)

    # The exhibitor: the buyer as the e-invoice will name it.
    pdf.heading(_("Addressed to"))
    pdf.field(_("Company"), nfc(exhibitor.company_name_vi), bold=True, size=10.5)
    if language == "en" and exhibitor.company_name_en:
        pdf.field(_("Name in English"), nfc(exhibitor.company_name_en))
    pdf.field(_("Tax code"), _tax_code(exhibitor.tax_code))
    pdf.field(_("Address"), nfc(address_of(exhibitor, language)))
    pdf.field(_("Contact"), nfc(f"{exhibitor.contact_name} · {exhibitor.contact_email}"))

    # The lines.
    pdf.heading(_("Details (in dong)"))
    _lines_table(pdf, request, language)

    # The totals, in figures and in words.
    pdf.ln(3)
    pdf.room_for(48)
    rows = [
        (_("Total before VAT"), request.net_vnd, False),
        (_("VAT"), request.vat_vnd, False),
        (_("Total"), request.total_vnd, True),
    ]
    if request.paid_vnd:
        rows.append((_("Paid so far"), request.paid_vnd, False))
    rows.append((_("Outstanding"), request.outstanding_vnd, True))
    label_w, value_w = 62, 40
    for caption, amount, strong in rows:
        pdf.set_x(left + width - label_w - value_w)
        pdf.set_font(FONT, "B" if strong else "", 10 if strong else 9.5)
        pdf.set_text_color(*INK)
        pdf.cell(label_w, 6, caption)
        pdf.cell(value_w, 6, money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    words_caption = _("Total in Vietnamese words")
    pdf.field(words_caption, f"{in_words(request.total_vnd)}.", caption_w=50, bold=True)
    if request.paid_vnd and request.outstanding_vnd:
        pdf.field(
            _("Outstanding in Vietnamese words"),
            f"{in_words(request.outstanding_vnd)}.",
            caption_w=50,
            bold=True,
        )

    # How to pay.
    transfer = transfer_of(request, settings) if settings is not None else None
    pdf.room_for(78)
    pdf.heading(_("How to pay"))
    if transfer is not None and transfer.amount_vnd and request.state in UNPAID:
        _payment_block(pdf, transfer)
    elif request.outstanding_vnd == 0 and request.paid_vnd:
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(25, 135, 84)
        pdf.multi_cell(width, 6, _("Paid in full. Thank you."), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_font(FONT, "", 9.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(
            width,
            5,
            _(
                "Nothing is to be paid on this request now. Contact the organisers with any question."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())


def _tax_code(compact: str) -> str:
    try:
        return format_tax_code(compact)
    except Exception:  # noqa: BLE001 - a code typed before validation: print it as it is
        return compact


def _day(value: date) -> str:
    return local_date(value)


def _facts_box(pdf: _RequestPDF, box_w: float, facts) -> None:
    x, y = pdf.get_x(), pdf.get_y()
    height = 6 * len(facts) + 3
    pdf.set_fill_color(*HEADING_FILL)
    pdf.rect(x, y, box_w, height, style="F")
    pdf.set_xy(x + 2.5, y + 1.5)
    for caption, value in facts:
        pdf.set_x(x + 2.5)
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(25, 6, caption)
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*INK)
        pdf.cell(box_w - 30, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(y + height)


def _lines_table(pdf: _RequestPDF, request: PaymentRequest, language: str) -> None:
    headings = (
        "#",
        _("Description"),
        _("Qty"),
        _("Unit price"),
        _("Net"),
        _("VAT rate"),
        _("VAT"),
        _("Amount"),
    )
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_fill_color(255, 255, 255)  # the rows on white (the facts box left its fill set)
    with pdf.table(
        col_widths=(6, 54, 9, 22, 23, 15, 20, 25),
        text_align=("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.6,
        padding=(1.2, 1.2),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_mode="NONE",
        headings_style=FontFace(emphasis="BOLD", color=ACCENT, fill_color=HEADING_FILL),
        repeat_headings=1,
        v_align="TOP",
    ) as table:
        row = table.row()
        for text in headings:
            row.cell(text)
        for index, line in enumerate(request.lines, start=1):
            row = table.row()
            for text in (
                str(index),
                nfc(line.description(language)),
                number(line.quantity),
                number(line.unit_price_vnd),
                number(line.net_vnd),
                f"{line.vat_rate}%",
                number(line.vat_vnd),
                number(line.gross_vnd),
            ):
                row.cell(text)


def _payment_block(pdf: _RequestPDF, transfer: Transfer) -> None:
    """The bank details and the memo at the left, the VietQR at the right."""
    left, width = pdf.l_margin, pdf.epw
    qr_size = 50
    text_w = width - qr_size - 8
    top = pdf.get_y()
    pdf.set_x(left)
    bank = transfer.bank
    bank_text = f"{bank.short_name} – {bank.name}" if bank.name else bank.short_name
    pdf.field(_("Bank"), nfc(bank_text), width=text_w)
    pdf.field(_("Account number"), transfer.account_number, width=text_w, bold=True, size=11)
    pdf.field(_("Account holder"), nfc(transfer.account_holder), width=text_w, bold=True)
    pdf.field(_("Amount"), money(transfer.amount_vnd), width=text_w, bold=True, size=11)
    pdf.field(_("Transfer memo"), transfer.memo, width=text_w, bold=True, size=13)
    pdf.ln(1)
    pdf.set_font(FONT, "I", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        text_w,
        4.3,
        align="L",
        text=_(
            "Write the reference %(reference)s in the transfer memo (or scan the QR code with"
            " your bank app, which fills in everything): the payment is then recognised"
            " automatically.",
            reference=transfer.memo,
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    text_bottom = pdf.get_y()
    qr_x = left + width - qr_size
    pdf.qr(transfer.payload, qr_x, top, qr_size)
    pdf.set_draw_color(*RULE)
    pdf.rect(qr_x, top, qr_size, qr_size)
    pdf.set_xy(qr_x - 4, top + qr_size + 1)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        qr_size + 8,
        3.6,
        _("VietQR: scan with your bank app"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_y(max(text_bottom, pdf.get_y()) + 2)
