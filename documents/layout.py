"""Laying out a PEP's HTML as a PDF with WeasyPrint: the only module that imports it.

documents/pdf.py imports this module when it first renders, so WeasyPrint (with fontTools and
Pillow, ~27 MB resident) is loaded only by processes that render a PDF: a documents worker's
(as it starts: pdf.prepare_rendering_process), or a web process the first time someone
downloads a PEP there; not by every web process and worker that imports the portal's apps.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .pdf import PDF_VARIANT, STATIC_PDF_DIR, STYLESHEET, FetchRefused

logger = logging.getLogger("documents.pdf")
# WeasyPrint logs every step of every render at INFO: thousands of lines for one bulk ZIP.
# Its warnings (a refused URL, a missing glyph) still come through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, narrowed to `file://` URLs inside static/pdf/.

    Every network URL (http, https, ftp, data …) and every other file is refused, so whatever
    is typed into a PEP, and whatever a template might one day link to, a render can never
    read a local file or call out. WeasyPrint logs a refusal as a warning and leaves the
    resource out; the document still renders."""

    def __init__(self, root: Path = STATIC_PDF_DIR) -> None:
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def path_for(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"Refused to fetch {url[:200]!r}: only static/pdf/ files")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused(f"Refused to fetch {url[:200]!r}: not a file in static/pdf/")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            path = self.path_for(url)
        except FetchRefused:
            logger.warning("PDF render refused a URL", extra={"url": url[:200]})
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            content_type = "font/ttf"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


_prepared = threading.local()


def stylesheet() -> tuple[CSS, FontConfiguration]:
    """The print stylesheet and the font configuration holding its fonts, made once per
    thread and reused: WeasyPrint copies @font-face fonts into a temporary folder for each
    FontConfiguration, so one per render would leave a trail of them until garbage collection.
    Made outside any time limit (pdf.html_to_pdf), so an interrupted render never leaves them
    half built."""
    if not hasattr(_prepared, "stylesheet"):
        font_config = FontConfiguration()
        css = CSS(
            filename=str(STYLESHEET), url_fetcher=StaticOnlyFetcher(), font_config=font_config
        )
        _prepared.stylesheet = (css, font_config)
    return _prepared.stylesheet  # type: ignore[no-any-return]


def write_pdf(html: str, css: CSS, font_config: FontConfiguration) -> bytes:
    """The PDF of `html` with `css` (from `stylesheet`): WeasyPrint's part of a render."""
    document = HTML(
        string=html, base_url=STATIC_PDF_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher()
    )
    pdf: bytes = document.write_pdf(
        stylesheets=[css],
        font_config=font_config,
        pdf_variant=PDF_VARIANT,
        # An identifier derived from the content, not random: same document, same bytes.
        pdf_identifier=True,
    )
    return pdf
