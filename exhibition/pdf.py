"""PDF documents in Be Vietnam Pro (from PyPI: every Vietnamese letter), with QR codes drawn as
vector squares so that they stay sharp at any printer's resolution. Shared by badges, payment
requests and meeting agendas, so it imports no domain."""

import unicodedata
from pathlib import Path

import fontpkg_be_vietnam_pro
from fpdf import FPDF

from .qr import qr_code

FONTS = Path(fontpkg_be_vietnam_pro.__file__).parent / "files"
FONT = "BVP"  # the family name documents set: regular "", bold "B", italic "I"
# The colours of printed documents (RGB).
INK = (33, 37, 41)
MUTED = (87, 96, 106)
ACCENT = (11, 79, 138)
RULE = (206, 212, 218)
HEADING_FILL = (232, 240, 248)


def nfc(text: str | None) -> str:
    """Text as one code point per letter (fpdf2 shapes composed Vietnamese letters best)."""
    return unicodedata.normalize("NFC", text or "")


class Document(FPDF):
    """An FPDF in millimetres with Be Vietnam Pro loaded and text printed as typed."""

    def __init__(self, *, format: str | tuple[float, float] = "A4"):
        super().__init__(unit="mm", format=format)
        # fpdf2 replaces "{nb}" in any text by the page count: people's names are printed as typed.
        self.alias_nb_pages(None)
        self.add_font(FONT, "", str(FONTS / "BeVietnamPro-Regular.ttf"))
        self.add_font(FONT, "B", str(FONTS / "BeVietnamPro-Bold.ttf"))
        self.add_font(FONT, "I", str(FONTS / "BeVietnamPro-Italic.ttf"))
        self.set_creator("exhibition")

    def qr(
        self, text: str, x: float, y: float, size: float, *, mask_pattern: int | None = None
    ) -> None:
        """The QR code of `text` with a 4-module quiet zone inside `size` (`mask_pattern` as for
        qr_code): each dark run of a row is one rectangle, and all of them are one filled path,
        written straight to the page (fpdf2's rect() per run was most of the time of a page)."""
        matrix = qr_code(text, border=0, mask_pattern=mask_pattern).get_matrix()
        count = len(matrix) + 8
        module = size / count
        self.set_fill_color(255, 255, 255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(0, 0, 0)
        k, top = self.k, self.h
        step = module * k
        runs = []
        for row_index, row in enumerate(matrix):
            start = None
            row_y = (top - (y + (row_index + 4) * module)) * k
            for col_index, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    left = (x + (start + 4) * module) * k
                    runs.append(
                        f"{left:.2f} {row_y:.2f} {(col_index - start) * step:.2f} {-step:.2f} re"
                    )
                    start = None
        if runs:
            self._out(" ".join(runs) + " f")


class Sheet(Document):
    """An A4 document with the house margins and a footer: a line of text and the page number."""

    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(self.epw * 0.8, 6, self.footer_text)
        self.cell(self.epw * 0.2, 6, str(self.page_no()), align="R")
