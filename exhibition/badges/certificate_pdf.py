"""Certificates of attendance as PDF: A4 landscape in Be Vietnam Pro, a frame, the title, the
body with the person's name large, the signatory, and a verification QR code with its short
address printed under it (drawing from exhibition/pdf.py)."""

from dataclasses import dataclass

from ..pdf import ACCENT, FONT, INK, MUTED, Document, nfc

WIDTH, HEIGHT = 297, 210
MARGIN = 12  # the outer frame
QR_SIZE = 30
GOLD = (176, 141, 54)


@dataclass(frozen=True)
class Page:
    """What one certificate shows; `lines` are (text, is_the_name) in order."""

    issuer: str
    title: str
    lines: tuple[tuple[str, bool], ...]
    day: str
    signatory_title: str
    signatory_name: str
    url: str
    code: str
    hint: str = ""  # how to verify, in the person's language


class _CertificatePDF(Document):
    def __init__(self):
        super().__init__(format="A4")
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)

    def frame(self) -> None:
        """The parts every page has: a double frame."""
        self.set_draw_color(*ACCENT)
        self.set_line_width(1.2)
        self.rect(MARGIN, MARGIN, WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN)
        self.set_draw_color(*GOLD)
        self.set_line_width(0.4)
        inner = MARGIN + 3
        self.rect(inner, inner, WIDTH - 2 * inner, HEIGHT - 2 * inner)

    def centred(self, text: str, y: float, *, size: float, style: str = "", color=INK) -> float:
        """Centred text within the frame, shrunk to fit two lines at most; the y under it. One
        line (the usual case) is one cell: wrapping is measured only when it does not fit."""
        width = WIDTH - 2 * (MARGIN + 20)
        self.set_text_color(*color)
        self.set_font(FONT, style, size)
        measured = self.get_string_width(text)
        while size > 9 and measured > width * 1.8:
            size -= 1
            self.set_font_size(size)
            measured = self.get_string_width(text)
        height = size * 0.45
        self.set_xy(MARGIN + 20, y)
        if measured <= width:
            self.cell(width, height, text, align="C")
            return y + height
        self.multi_cell(width, height, text, align="C", max_line_height=height)
        return self.get_y()


def _draw(pdf: _CertificatePDF, page: Page) -> None:
    pdf.frame()
    y = pdf.centred(page.issuer.upper(), MARGIN + 12, size=11, style="B", color=MUTED)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(WIDTH / 2 - 25, y + 3, WIDTH / 2 + 25, y + 3)
    y = pdf.centred(page.title, y + 9, size=30, style="B", color=ACCENT)
    y += 6
    for text, is_name in page.lines:
        if is_name:
            y = pdf.centred(text, y + 2, size=26, style="B") + 2
        else:
            y = pdf.centred(text, y, size=14) + 1
    # The signatory, bottom right.
    right_x, right_w = WIDTH / 2 + 20, WIDTH / 2 - MARGIN - 30
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "I", 11)
    pdf.set_xy(right_x, HEIGHT - MARGIN - 58)
    pdf.cell(right_w, 6, page.day, align="C")
    pdf.set_font(FONT, "B", 11)
    pdf.set_xy(right_x, HEIGHT - MARGIN - 51)
    pdf.multi_cell(right_w, 5.5, page.signatory_title.upper(), align="C")
    pdf.set_font(FONT, "B", 13)
    pdf.set_xy(right_x, HEIGHT - MARGIN - 20)
    pdf.cell(right_w, 7, page.signatory_name, align="C")
    # The verification QR code and its address, bottom left.
    qr_x, qr_y = MARGIN + 12, HEIGHT - MARGIN - QR_SIZE - 16
    pdf.qr(page.url, qr_x, qr_y, QR_SIZE, mask_pattern=2)
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "", 7.5)
    short = page.url.split("://", 1)[-1]
    short = short[: short.rfind("/") + 1] + page.code
    pdf.set_xy(qr_x - 4, qr_y + QR_SIZE + 1)
    pdf.cell(90, 3.5, short)
    pdf.set_xy(qr_x - 4, qr_y + QR_SIZE + 5)
    pdf.cell(90, 3.5, page.hint)


def render(pages: list[Page]) -> bytes:
    """The certificates, one A4 landscape page each, as one PDF."""
    pdf = _CertificatePDF()
    pdf.set_title("Certificates")
    for page in pages:
        pdf.add_page(orientation="L")
        normalised = Page(
            **{
                key: nfc(value) if isinstance(value, str) else value
                for key, value in page.__dict__.items()
                if key != "lines"
            },
            lines=tuple((nfc(text), is_name) for text, is_name in page.lines),
        )
        _draw(pdf, normalised)
    if not pages:
        pdf.add_page(orientation="L")
    return bytes(pdf.output())
