"""Reading rendered PDFs back, with pypdf, the way a person or a screen reader would meet them."""

import io
from dataclasses import dataclass

from pypdf import PdfReader

MM = 72 / 25.4
# static/pdf/pep.css: @page margins of 22 mm at the top and 20 mm at the bottom.
HEADER_FROM_TOP = 22 * MM
FOOTER_FROM_BOTTOM = 20 * MM


@dataclass
class ReadPdf:
    reader: PdfReader

    @property
    def pages(self) -> int:
        return len(self.reader.pages)

    @property
    def text(self) -> str:
        """All the text, with every run of white space (line breaks too) as one space."""
        return " ".join(" ".join(page.extract_text().split()) for page in self.reader.pages)

    def _margin_text(self, *, header: bool) -> list[str]:
        """The text in the top (or bottom) page margin of each page."""
        found = []
        for page in self.reader.pages:
            height = float(page.mediabox.top)
            parts: list[str] = []

            def visit(text, cm, tm, font, size, parts=parts, height=height):  # type: ignore[no-untyped-def]
                if not text.strip():
                    return
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                if (header and y > height - HEADER_FROM_TOP) or (
                    not header and y < FOOTER_FROM_BOTTOM
                ):
                    parts.append(text.strip())

            page.extract_text(visitor_text=visit)
            found.append(" ".join(parts))
        return found

    @property
    def headers(self) -> list[str]:
        return self._margin_text(header=True)

    @property
    def footers(self) -> list[str]:
        return self._margin_text(header=False)

    @property
    def font_names(self) -> set[str]:
        names = set()
        for page in self.reader.pages:
            for font in page["/Resources"]["/Font"].values():
                names.add(str(font.get_object()["/BaseFont"]))
        return names


def read_pdf(data: bytes) -> ReadPdf:
    assert data.startswith(b"%PDF-")
    return ReadPdf(PdfReader(io.BytesIO(data)))
