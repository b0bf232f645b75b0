"""Printable badges as PDF: A6 portrait (one a page), four A6 on an A4 sheet with cut marks, or a
90 x 54 mm card. Be Vietnam Pro (from PyPI) has every Vietnamese letter; the QR code is drawn as
vector squares, so it stays sharp at any printer's resolution (both from exhibition/pdf.py)."""

import unicodedata
from dataclasses import dataclass

from ..pdf import FONT, Document


@dataclass(frozen=True)
class BadgeData:
    """What one badge shows (names in NFC form, as PDF text needs them)."""

    name: str
    job_title: str
    organisation: str
    category: str
    color: str  # "#rrggbb"
    code: str
    booth: str = ""
    event_name: str = ""
    event_dates: str = ""
    # The second, smaller QR for exhibitors' booth scanners (badges.services.lead_qr_text) and
    # its label; none when empty.
    lead_text: str = ""
    lead_label: str = ""


@dataclass(frozen=True)
class Layout:
    """Where badges go: the page size and each badge's (x, y) on it, in millimetres."""

    page: tuple[float, float]
    badge: tuple[float, float]
    slots: tuple[tuple[float, float], ...]
    cut_marks: bool = False


LAYOUTS = {
    "a6": Layout(page=(105, 148), badge=(105, 148), slots=((0, 0),)),
    "a4": Layout(
        page=(210, 297),
        badge=(105, 148),
        slots=((0, 0), (105, 0), (0, 148.5), (105, 148.5)),
        cut_marks=True,
    ),
    "card": Layout(page=(90, 54), badge=(90, 54), slots=((0, 0),)),
}


def _rgb(color: str) -> tuple[int, int, int]:
    value = (color or "#1f6feb").lstrip("#")
    if len(value) != 6:
        value = "1f6feb"
    try:
        return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return (31, 111, 235)


def _ink_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white text, whichever reads better on the band's colour."""
    r, g, b = (c / 255 for c in rgb)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (0, 0, 0) if luminance > 0.55 else (255, 255, 255)


class _BadgePDF(Document):
    def __init__(self, layout: Layout):
        super().__init__(format=layout.page)
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)

    def fitted_lines(
        self, text: str, width: float, *, largest: float, smallest: float, max_lines: int
    ) -> tuple[float, list[str]]:
        """The largest font size (pt) at which `text` wraps into at most `max_lines` lines."""
        size = largest
        while True:
            self.set_font_size(size)
            lines = self.multi_cell(width, size * 0.4, text, dry_run=True, output="LINES")
            if len(lines) <= max_lines or size <= smallest:
                return size, lines[:max_lines]
            size -= 1


def _draw(pdf: _BadgePDF, badge: BadgeData, x: float, y: float, w: float, h: float) -> None:
    card = w > h  # the 90 x 54 mm card is landscape
    pad = 4 if card else 7
    color = _rgb(badge.color)
    band_h = 9 if card else 14
    # Event name at the top (A6) or the top-left (card).
    pdf.set_text_color(11, 79, 138)
    pdf.set_font(FONT, "B", 7 if card else 9)
    # On the card, the QR codes take the right side (and the lead code's label a little more).
    text_w = w - 2 * pad - ((30 if badge.lead_text else 26) if card else 0)
    pdf.set_xy(x + pad, y + pad - 1)
    pdf.multi_cell(text_w, 3.4 if card else 4.2, badge.event_name, max_line_height=4.2, align="L")
    top = pdf.get_y() + (1 if card else 3)
    # The name, large, wrapped, never clipped: it shrinks to fit three lines.
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B")
    size, lines = pdf.fitted_lines(
        badge.name,
        text_w,
        largest=16 if card else 28,
        smallest=9 if card else 14,
        max_lines=2 if card else 3,
    )
    pdf.set_font_size(size)
    line_h = size * 0.42
    for index, line in enumerate(lines):
        pdf.set_xy(x + pad, top + index * line_h)
        pdf.cell(text_w, line_h, line)
    cursor = top + len(lines) * line_h + 1.5
    pdf.set_font(FONT, "", 7.5 if card else 10)
    for text, bold in ((badge.job_title, False), (badge.organisation, True), (badge.booth, True)):
        if not text:
            continue
        pdf.set_font(FONT, "B" if bold else "", 7.5 if card else 10)
        pdf.set_xy(x + pad, cursor)
        pdf.multi_cell(text_w, 3.3 if card else 4.5, text, max_line_height=4.5, align="L")
        cursor = pdf.get_y() + 0.5
    if card:
        _card_codes(pdf, badge, x, y, w, h, pad=pad, band_h=band_h)
    else:
        _a6_codes(pdf, badge, x, y, w, h, pad=pad, band_h=band_h)
    # The category band across the bottom, in the category's colour.
    pdf.set_fill_color(*color)
    pdf.rect(x, y + h - band_h, w, band_h, style="F")
    pdf.set_text_color(*_ink_on(color))
    pdf.set_font(FONT, "B", 9 if card else 14)
    pdf.set_xy(x, y + h - band_h)
    pdf.cell(w, band_h, badge.category.upper(), align="C")


def _lead_code_lines(pdf: _BadgePDF, text: str, width: float) -> list[str]:
    """The lead code cut into lines that fit `width` at the current font size (no spaces in it)."""
    lines, line = [], ""
    for char in text:
        if line and pdf.get_string_width(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def _a6_codes(pdf: _BadgePDF, badge: BadgeData, x, y, w, h, *, pad: float, band_h: float) -> None:
    """The entry QR (large, the door stations read it) with its code, and beside it, apart, the
    smaller lead QR labelled for exhibitors with its code; the dates below across the badge."""
    qr_size = 46
    qr_y = y + h - band_h - qr_size - 9
    if not badge.lead_text:
        entry_x, entry_w = x, w
    else:
        entry_x, entry_w = x + pad - 4, qr_size + 8
    pdf.qr(badge.code, entry_x + (entry_w - qr_size) / 2, qr_y, qr_size)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(87, 96, 106)
    pdf.set_xy(entry_x, qr_y + qr_size + 0.5)
    pdf.cell(entry_w, 3, badge.code, align="C")
    pdf.set_xy(x, y + h - band_h - 5)
    pdf.cell(w, 3, badge.event_dates, align="C")
    if not badge.lead_text:
        return
    # A dashed rule keeps the two codes clearly apart.
    rule_x = entry_x + entry_w + 2
    pdf.set_draw_color(175, 184, 193)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(rule_x, qr_y + 1, rule_x, qr_y + qr_size - 1)
    pdf.set_dash_pattern()
    column_x = rule_x + 2
    column_w = x + w - pad - column_x
    lead_size = 24
    pdf.set_text_color(11, 79, 138)
    pdf.set_font(FONT, "B", 6.5)
    pdf.set_xy(column_x, qr_y)
    pdf.multi_cell(column_w, 2.8, badge.lead_label, align="C")
    lead_y = max(pdf.get_y() + 0.5, qr_y + 6)
    pdf.qr(badge.lead_text, column_x + (column_w - lead_size) / 2, lead_y, lead_size)
    pdf.set_text_color(87, 96, 106)
    pdf.set_font(FONT, "", 5.5)
    for index, line in enumerate(_lead_code_lines(pdf, badge.lead_text, column_w)):
        pdf.set_xy(column_x, lead_y + lead_size + 0.3 + index * 2.4)
        pdf.cell(column_w, 2.4, line, align="C")


def _card_codes(pdf: _BadgePDF, badge: BadgeData, x, y, w, h, *, pad: float, band_h: float) -> None:
    """The entry QR at the top right; under it, the smaller lead QR with its label and code to
    its left (the 54 mm card has no room under it)."""
    qr_size = 24 if not badge.lead_text else 22
    pdf.qr(badge.code, x + w - pad - qr_size, y + pad, qr_size)
    if not badge.lead_text:
        return
    lead_size = 14
    lead_x = x + w - pad - lead_size
    lead_y = y + h - band_h - lead_size - 0.8
    pdf.set_draw_color(175, 184, 193)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=0.8, gap=0.8)
    pdf.line(x + w - pad - qr_size, y + pad + qr_size + 0.8, x + w - pad, y + pad + qr_size + 0.8)
    pdf.set_dash_pattern()
    pdf.qr(badge.lead_text, lead_x, lead_y, lead_size)
    text_w = 15
    text_x = lead_x - text_w - 0.5
    pdf.set_text_color(11, 79, 138)
    pdf.set_font(FONT, "B", 4.5)
    pdf.set_xy(text_x, lead_y + 0.5)
    pdf.multi_cell(text_w, 1.9, badge.lead_label, align="R")
    pdf.set_text_color(87, 96, 106)
    pdf.set_font(FONT, "", 4)
    top = pdf.get_y() + 0.3
    for index, line in enumerate(_lead_code_lines(pdf, badge.lead_text, text_w)):
        pdf.set_xy(text_x, top + index * 1.7)
        pdf.cell(text_w, 1.7, line, align="R")


def _cut_marks(pdf: _BadgePDF, layout: Layout) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    width, height = layout.page
    mid_x, mid_y = width / 2, height / 2
    for x in (0, mid_x, width):
        pdf.line(x, 0, x, 4)
        pdf.line(x, height - 4, x, height)
        pdf.line(x, mid_y - 2, x, mid_y + 2)
    for y in (0, mid_y, height):
        pdf.line(0, y, 4, y)
        pdf.line(width - 4, y, width, y)
        pdf.line(mid_x - 2, y, mid_x + 2, y)


def render(badges: list[BadgeData], *, layout: str = "a6", title: str = "Badges") -> bytes:
    """The badges as one PDF in the given layout ("a6", "a4" four-up with cut marks, "card")."""
    chosen = LAYOUTS[layout]
    pdf = _BadgePDF(chosen)
    pdf.set_title(title)
    per_page = len(chosen.slots)
    for index, badge in enumerate(badges):
        if index % per_page == 0:
            pdf.add_page()
            if chosen.cut_marks:
                _cut_marks(pdf, chosen)
        x, y = chosen.slots[index % per_page]
        normalised = BadgeData(
            **{
                key: unicodedata.normalize("NFC", value) if isinstance(value, str) else value
                for key, value in badge.__dict__.items()
            }
        )
        _draw(pdf, normalised, x, y, *chosen.badge)
    if not badges:
        pdf.add_page()
    return bytes(pdf.output())
