"""Checks an uploaded PEP attachment before anything stores it.

The issue's rule: PDF, DOCX, XLSX, JPEG or PNG only, judged by what the bytes are and not by
the name; at most 10MB; and a password-protected or damaged file is refused with a message
that tells the person what to do. Attachments end up in the council's case-management system,
which cannot open encrypted files, so "protected" includes a PDF encrypted with an empty user
password even though a browser opens it without asking.

This is a pure check: no models, no storage. Callers pass the name and the stream (a Django
``UploadedFile`` is fine) and store the bytes under ``CheckedFile.safe_name`` only if no
``ValidationError`` comes back. Every refusal carries a ``code`` so the service can record why
a file was refused without parsing English.

Limits of what is checked, on purpose:
- Office files are opened only as far as their ZIP directory and ``[Content_Types].xml``; the
  parts are never decompressed, so a zip bomb costs nothing to refuse.
- Images are ``verify()``-ed by Pillow (structure, PNG checksums) but not decoded, so a large
  image never costs its decoded size in memory here.
- A PDF must start with ``%PDF-`` (libmagic and pypdf both accept one that starts with, say,
  an HTML page), and one with active content is refused, not cleaned: rewriting it would change
  what the person uploaded, and "print it to a new PDF" is advice anyone can follow. Active
  means JavaScript (document, page, field or link actions, however its names are spelt),
  Launch actions (start a program), embedded files (any file at all, past every check here),
  RichMedia (Flash) and XFA forms (which carry scripts of their own). Web links, forms and
  bookmarks are ordinary and accepted. See ``_pdf_has_active_content``.
- Nothing here scans for malware; that is a virus scanner's job, not a type check's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.etree import ElementTree

import magic
from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

# Office files are ZIPs: these bound what their directory may claim before we trust it.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# DEFLATE tops out near 1032:1. Real documents stay well below 100:1 (XML compresses 5-20:1,
# images not at all), so an entry that claims more than this and is big is a bomb, not a sheet.
MAX_ZIP_ENTRY_RATIO = 200
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

# libmagic needs only the start of a file for every type we accept.
MAGIC_HEAD_BYTES = 16 * 1024
READ_CHUNK_BYTES = 64 * 1024

# Used only if someone has switched Pillow's own guard off (MAX_IMAGE_PIXELS = None).
DEFAULT_MAX_IMAGE_PIXELS = 89_478_485

SAFE_NAME_MAX_CHARS = 100
# Filesystems limit a name to 255 bytes; leave room for a prefix the storage layer may add.
SAFE_NAME_MAX_BYTES = 200
FALLBACK_STEM = "attachment"

PDF_SIGNATURE = b"%PDF-"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"

PDF = "pdf"
DOCX = "docx"
XLSX = "xlsx"
JPEG = "jpeg"
PNG = "png"

CONTENT_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    JPEG: "image/jpeg",
    PNG: "image/png",
}
EXTENSIONS = {PDF: "pdf", DOCX: "docx", XLSX: "xlsx", JPEG: "jpg", PNG: "png"}
# Suffixes a person may already have typed for each kind, so "scan.jpeg.exe" does not become
# "scan.jpeg.jpg".
KNOWN_SUFFIXES = {
    PDF: {"pdf"},
    DOCX: {"docx"},
    XLSX: {"xlsx"},
    JPEG: {"jpg", "jpeg", "jpe"},
    PNG: {"png"},
}
DESCRIPTIONS = {
    PDF: "a PDF",
    DOCX: "a Word document (DOCX)",
    XLSX: "an Excel spreadsheet (XLSX)",
    JPEG: "a JPEG",
    PNG: "a PNG",
}

# The main part of each OOXML kind and the content type [Content_Types].xml must give it.
OOXML_MAIN_PARTS = {
    DOCX: (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    XLSX: (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
OOXML_MAGIC_TYPES = {"application/zip", CONTENT_TYPES[DOCX], CONTENT_TYPES[XLSX]}
CONTENT_TYPES_PART = "[content_types].xml"

# Stream names in an OLE2 (CFB) directory are stored as UTF-16LE, so they can be found in the
# raw bytes without an OLE parser. "EncryptionInfo" and "EncryptedPackage" are what Office
# writes when a DOCX or XLSX is saved with a password (MS-OFFCRYPTO).
OLE_ENCRYPTION_MARKERS = (
    "EncryptionInfo".encode("utf-16-le"),
    "EncryptedPackage".encode("utf-16-le"),
)
OLE_WORD_MARKER = "WordDocument".encode("utf-16-le")
OLE_EXCEL_MARKER = "Workbook".encode("utf-16-le")
OLE_MAGIC_TYPES = {
    "application/x-ole-storage",
    "application/cdfv2",
    "application/encrypted",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-office",
}

WINDOWS_RESERVED_NAMES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}

MESSAGE_WRONG_TYPE = (
    "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), JPEG or PNG"
)
MESSAGE_TOO_LARGE = "The selected file must be smaller than 10MB"
MESSAGE_EMPTY = "The selected file is empty"
MESSAGE_PROTECTED = (
    "The selected file is password-protected: remove the password and upload it again"
)
MESSAGE_LEGACY_WORD = (
    "The selected file must be a Word document (DOCX): save it as a .docx file and upload it again"
)
MESSAGE_LEGACY_EXCEL = (
    "The selected file must be an Excel spreadsheet (XLSX): save it as a .xlsx file and upload "
    "it again"
)
MESSAGE_MACRO_WORD = (
    "The selected file contains macros: save it as a Word document (.docx) and upload it again"
)
MESSAGE_MACRO_EXCEL = (
    "The selected file contains macros: save it as an Excel spreadsheet (.xlsx) and upload it again"
)
MESSAGE_EXPANDS_TOO_MUCH = (
    "The selected file is bigger than 200MB when opened: make it smaller and upload it again"
)
MESSAGE_TOO_MANY_PARTS = (
    "The selected file has more than 10,000 parts inside it: save it again as a new file and "
    "upload that"
)
MESSAGE_PDF_ACTIVE_CONTENT = (
    "The selected PDF contains scripts, files or actions that start programs: print it to a "
    "new PDF (for example with “Save as PDF” or “Microsoft Print to PDF”) and upload that"
)
MESSAGE_IMAGE_TOO_BIG = (
    "The selected image has too many pixels: make it smaller (for example, under 8,000 by "
    "8,000 pixels) and upload it again"
)


def message_damaged(kind: str) -> str:
    """The GOV.UK-style message for a file that claims to be ``kind`` but does not open."""
    return f"The selected file is damaged or not really {DESCRIPTIONS[kind]}"


@dataclass(frozen=True)
class CheckedFile:
    """What an accepted attachment really is.

    ``kind`` is one of "pdf", "docx", "xlsx", "jpeg", "png"; ``content_type`` the canonical
    MIME type for it (never the browser's claim); ``extension`` the canonical extension without
    a dot ("jpg" for JPEG); ``sha256`` the hex digest of the whole file; ``safe_name`` a name
    that is safe to show, download and store (see ``safe_attachment_name``).
    """

    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str
    safe_name: str


def check_attachment(name: str, stream: BinaryIO, size: int | None = None) -> CheckedFile:
    """Accept ``stream`` as a PEP attachment or raise ``ValidationError`` saying why not.

    ``stream`` must be seekable (Django's uploaded files are); it is read from the start and
    left at the start, whether the file is accepted or refused. ``size`` is the size the caller
    was told (``UploadedFile.size``); it lets an obviously large file be refused without reading
    it, but is not trusted otherwise: at most ``MAX_ATTACHMENT_BYTES + 1`` bytes are read, so a
    stream that is longer than it claims is still refused without reading it all.

    ``name`` is used only to build ``safe_name``; the kind comes from the content.
    """
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(MESSAGE_TOO_LARGE, code="too_large")
    try:
        stream.seek(0)
        head, actual_size, sha256 = _read_within_limit(stream)
        kind = _check_content(stream, head)
    finally:
        stream.seek(0)
    return CheckedFile(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        extension=EXTENSIONS[kind],
        size=actual_size,
        sha256=sha256,
        safe_name=safe_attachment_name(name, kind),
    )


def _read_within_limit(stream: BinaryIO) -> tuple[bytes, int, str]:
    """Read the stream once, hashing as we go, and stop one byte past the limit.

    Returns the first ``MAGIC_HEAD_BYTES`` (for libmagic), the size and the SHA-256.
    """
    digest = hashlib.sha256()
    head = bytearray()
    total = 0
    while True:
        # Never ask for more than one byte beyond the limit: that byte proves "too large".
        chunk = stream.read(min(READ_CHUNK_BYTES, MAX_ATTACHMENT_BYTES + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > MAX_ATTACHMENT_BYTES:
            raise ValidationError(MESSAGE_TOO_LARGE, code="too_large")
        digest.update(chunk)
        if len(head) < MAGIC_HEAD_BYTES:
            head += chunk[: MAGIC_HEAD_BYTES - len(head)]
    if total == 0:
        raise ValidationError(MESSAGE_EMPTY, code="empty")
    return bytes(head), total, digest.hexdigest()


def _check_content(stream: BinaryIO, head: bytes) -> str:
    """Decide the kind from the bytes and prove the file opens as that kind."""
    magic_type = magic.from_buffer(head, mime=True).lower()
    if magic_type == CONTENT_TYPES[PDF]:
        if not head.startswith(PDF_SIGNATURE):
            # Something else (an HTML page, say) with a PDF after it: not a PDF.
            raise ValidationError(message_damaged(PDF), code="damaged")
        _check_pdf(stream)
        return PDF
    if magic_type in (CONTENT_TYPES[JPEG], CONTENT_TYPES[PNG]):
        kind = JPEG if magic_type == CONTENT_TYPES[JPEG] else PNG
        _check_image(stream, kind)
        return kind
    if head.startswith(ZIP_SIGNATURE) and magic_type in OOXML_MAGIC_TYPES:
        return _check_ooxml(stream, magic_type)
    if head.startswith(OLE_SIGNATURE) or magic_type in OLE_MAGIC_TYPES:
        _refuse_ole(stream, magic_type)
    # Everything else (executables, text, HTML, SVG, other archives, GIF, HEIC) is refused
    # with the one message that lists what is allowed.
    raise ValidationError(MESSAGE_WRONG_TYPE, code="wrong_type")


def _check_pdf(stream: BinaryIO) -> None:
    """Refuse an encrypted PDF, one pypdf cannot parse, one with no pages, or one with active
    content."""
    stream.seek(0)
    try:
        # Not strict: scanners and old Word exports write slightly irregular PDFs that every
        # viewer opens, and refusing those would only send people to email instead.
        reader = PdfReader(stream, strict=False)
        # Checked before touching pages: pages of an encrypted file cannot be read.
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
        active = not encrypted and _pdf_has_active_content(reader)
    except Exception as error:
        # pypdf raises many types (PdfReadError, ValueError, KeyError, RecursionError...) for
        # broken input; to the person uploading, all of them mean the same thing.
        raise ValidationError(message_damaged(PDF), code="damaged") from error
    if encrypted:
        raise ValidationError(MESSAGE_PROTECTED, code="password_protected")
    if pages == 0:
        raise ValidationError(message_damaged(PDF), code="damaged")
    if active or _pdf_bytes_name_active_content(stream):
        raise ValidationError(MESSAGE_PDF_ACTIVE_CONTENT, code="pdf_active_content")


# Dictionary keys that only active content uses: scripts (/JS in an action, /JavaScript as the
# document's script tree), embedded files (/EmbeddedFiles tree, /EF in a file specification),
# RichMedia (Flash) and XFA forms.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RichMediaContent", "/XFA"}
# Action types (/S) that run something: a script, a program, Flash.
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/RichMediaExecute"}
# Object types and annotation subtypes that are active content in themselves.
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/FileAttachment", "/RichMedia"}
# A 10MB PDF holds far fewer dictionaries and arrays than this; more is a file built to stall.
MAX_PDF_CONTAINERS = 1_000_000
# The same names as raw bytes, for objects pypdf does not reach (an unreferenced object, an
# old revision, a cross-reference table a viewer rebuilds differently). Only names long enough
# never to turn up by chance in compressed data; the walk above catches the short ones and
# those spelt with #-escapes.
PDF_ACTIVE_BYTES = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Walk every dictionary and array reachable from the trailer (the catalog, pages,
    annotations, form fields, name trees, actions and their /Next chains), each object once,
    looking at keys and types but never decoding a stream's data. pypdf has already decoded
    #-escaped names, so /J#61vaScript is seen as /JavaScript."""
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [reader.trailer]
    visited = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary only
            visited += 1
            if PDF_ACTIVE_KEYS.intersection(item.keys()):
                return True
            kinds = {item.get("/S"), item.get("/Type"), item.get("/Subtype")}
            if kinds & PDF_ACTIVE_ACTIONS or kinds & PDF_ACTIVE_TYPES:
                return True
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            visited += 1
            pending.extend(item)
        if visited > MAX_PDF_CONTAINERS:
            raise ValueError("too many objects in the PDF")
    return False


def _pdf_bytes_name_active_content(stream: BinaryIO) -> bool:
    """Whether the raw bytes spell out an active-content name anywhere."""
    stream.seek(0)
    overlap = max(len(name) for name in PDF_ACTIVE_BYTES) - 1
    tail = b""
    while chunk := stream.read(READ_CHUNK_BYTES):
        window = tail + chunk
        if any(name in window for name in PDF_ACTIVE_BYTES):
            return True
        tail = window[-overlap:]
    return False


def _check_image(stream: BinaryIO, kind: str) -> None:
    """Refuse an image Pillow cannot verify, or one with decompression-bomb dimensions."""
    pillow_format = "JPEG" if kind == JPEG else "PNG"
    max_pixels = Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_IMAGE_PIXELS
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns between its limit and twice it; we refuse at the limit instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[pillow_format]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ValidationError(MESSAGE_IMAGE_TOO_BIG, code="image_too_big")
                image.verify()
    except Image.DecompressionBombError as error:
        raise ValidationError(MESSAGE_IMAGE_TOO_BIG, code="image_too_big") from error
    except ValidationError:
        raise
    except Exception as error:
        raise ValidationError(message_damaged(kind), code="damaged") from error


def _check_ooxml(stream: BinaryIO, magic_type: str) -> str:
    """Prove a ZIP is a DOCX or XLSX without decompressing its parts.

    Only the ZIP directory is trusted for sizes, and only ``[Content_Types].xml`` (bounded) is
    read, so the cost is the same for a zip bomb as for a real document.
    """
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ValidationError(_damaged_office(magic_type), code="damaged") from error
    with archive:
        entries = archive.infolist()
        _refuse_zip_bomb(entries)
        if any(entry.flag_bits & 0x1 for entry in entries):
            # ZIP-level encryption: not how Office protects files, but protected all the same.
            raise ValidationError(MESSAGE_PROTECTED, code="password_protected")
        by_name = {entry.filename.lower(): entry for entry in entries}
        content_types = by_name.get(CONTENT_TYPES_PART)
        if content_types is None:
            # A plain ZIP, JAR or other archive: not a document at all.
            raise ValidationError(MESSAGE_WRONG_TYPE, code="wrong_type")
        overrides, defaults = _read_content_types(archive, content_types, magic_type)

    declared = {*overrides.values(), *defaults.values()}
    has_macros = any(
        "macroenabled" in content_type or "vbaproject" in content_type for content_type in declared
    ) or any(name.endswith("vbaproject.bin") for name in by_name)
    word_part, word_type = OOXML_MAIN_PARTS[DOCX]
    excel_part, excel_type = OOXML_MAIN_PARTS[XLSX]
    if has_macros:
        is_word = word_part in by_name or magic_type == CONTENT_TYPES[DOCX]
        message = MESSAGE_MACRO_WORD if is_word else MESSAGE_MACRO_EXCEL
        raise ValidationError(message, code="macro_enabled")
    if word_part in by_name and _part_type(word_part, overrides, defaults) == word_type:
        kind = DOCX
    elif excel_part in by_name and _part_type(excel_part, overrides, defaults) == excel_type:
        kind = XLSX
    else:
        # PPTX, templates (DOTX/XLTX), ODT inside a ZIP, or a ZIP that only looks like Office.
        raise ValidationError(MESSAGE_WRONG_TYPE, code="wrong_type")
    if magic_type != "application/zip" and magic_type != CONTENT_TYPES[kind]:
        # libmagic and the package disagree about what this is: someone built it by hand.
        raise ValidationError(message_damaged(kind), code="damaged")
    return kind


def _refuse_zip_bomb(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP whose directory promises more than any real document holds."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ValidationError(MESSAGE_TOO_MANY_PARTS, code="zip_too_many_entries")
    if sum(entry.file_size for entry in entries) > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise ValidationError(MESSAGE_EXPANDS_TOO_MUCH, code="zip_too_large_uncompressed")
    for entry in entries:
        if entry.file_size > ZIP_RATIO_FLOOR_BYTES and entry.file_size > MAX_ZIP_ENTRY_RATIO * max(
            entry.compress_size, 1
        ):
            raise ValidationError(MESSAGE_EXPANDS_TOO_MUCH, code="zip_ratio")


def _read_content_types(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, magic_type: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Parse ``[Content_Types].xml`` into {part name: type} and {extension: type}, lower-cased.

    Names are lower-cased because OPC part names are case-insensitive. The read is bounded by
    the entry's declared size (zipfile stops there and checks the CRC), and the declared size
    is bounded here, so a lying entry cannot make us inflate more than 1MB.
    """
    if entry.file_size > MAX_CONTENT_TYPES_BYTES:
        raise ValidationError(_damaged_office(magic_type), code="damaged")
    try:
        data = archive.read(entry)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            # Office never writes a DTD; refusing one rules out entity-expansion tricks.
            raise ValueError("DTD in [Content_Types].xml")
        root = ElementTree.fromstring(data)  # noqa: S314 - DTDs refused above.
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, ElementTree.ParseError) as error:
        raise ValidationError(_damaged_office(magic_type), code="damaged") from error
    overrides: dict[str, str] = {}
    defaults: dict[str, str] = {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        content_type = element.get("ContentType", "").strip().lower()
        if tag == "Override":
            overrides[element.get("PartName", "").strip().lower()] = content_type
        elif tag == "Default":
            defaults[element.get("Extension", "").strip().lower()] = content_type
    return overrides, defaults


def _part_type(part: str, overrides: dict[str, str], defaults: dict[str, str]) -> str | None:
    """A part's content type as OPC resolves it: its Override, else its extension's Default.

    Word and Excel always write an Override for the main part, but some generators only set
    ``Default Extension="xml"`` to the main type, and those files open in Office too.
    """
    return overrides.get(f"/{part}") or defaults.get(part.rsplit(".", 1)[-1])


def _damaged_office(magic_type: str) -> str:
    """Name the Office kind libmagic saw, or Word when it only saw a ZIP."""
    return message_damaged(XLSX if magic_type == CONTENT_TYPES[XLSX] else DOCX)


def _refuse_ole(stream: BinaryIO, magic_type: str) -> None:
    """Always refuse an OLE2 (CFB) file, saying what to do about it.

    A DOCX or XLSX saved with a password is not a ZIP but a CFB holding ``EncryptionInfo`` and
    ``EncryptedPackage`` streams; an unprotected CFB is an old .doc/.xls (or Outlook .msg, .ppt).
    The directory can sit anywhere in the file, so the whole file (at most 10MB, already
    proved) is searched, and libmagic is asked again with all of it.
    """
    stream.seek(0)
    data = stream.read(MAX_ATTACHMENT_BYTES)
    description = magic.from_buffer(data)
    full_type = magic.from_buffer(data, mime=True).lower()
    if "encrypted" in description.lower() or any(
        marker in data for marker in OLE_ENCRYPTION_MARKERS
    ):
        raise ValidationError(MESSAGE_PROTECTED, code="password_protected")
    if "application/msword" in (magic_type, full_type) or OLE_WORD_MARKER in data:
        raise ValidationError(MESSAGE_LEGACY_WORD, code="legacy_format")
    if "application/vnd.ms-excel" in (magic_type, full_type) or OLE_EXCEL_MARKER in data:
        raise ValidationError(MESSAGE_LEGACY_EXCEL, code="legacy_format")
    raise ValidationError(MESSAGE_WRONG_TYPE, code="wrong_type")


def safe_attachment_name(name: str, kind: str) -> str:
    """A name for ``kind`` built from what the person called the file, never empty.

    - Only the base name is kept: anything up to the last ``/`` or ``\\`` is dropped, after
      NFKC normalisation so full-width slashes count too.
    - Letters and digits of any script, combining marks, space, ``-``, ``_``, ``.``, ``(`` and
      ``)`` are kept; everything else (control characters, newlines, quotes, ``:``, bidi
      overrides) becomes ``_``. Runs are collapsed and leading dots are removed, so the result
      is never hidden and never ``..``.
    - The last suffix, if it looks like an extension (1-5 letters or digits, at least one
      letter), is replaced by the canonical extension for the detected kind. If what is left
      already ends in that kind's extension it is not repeated: ``evil.pdf.exe`` detected as
      PDF becomes ``evil.pdf``, ``report.PDF`` becomes ``report.pdf``, ``photo.png`` that is
      really a JPEG becomes ``photo.jpg``. A suffix like ``v1.2`` is kept as part of the name.
    - Windows device names (``CON``, ``NUL``...) get a leading ``_``.
    - At most 100 characters and 200 UTF-8 bytes, cut from the stem so the extension survives.
    - ``attachment`` stands in for a stem that ends up empty.
    """
    extension = EXTENSIONS[kind]
    normalised = unicodedata.normalize("NFKC", name or "")
    base = re.split(r"[/\\]", normalised)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not (dot and re.fullmatch(r"[A-Za-z0-9]{1,5}", suffix) and re.search(r"[A-Za-z]", suffix)):
        stem = base
    stem = _clean_stem(stem)
    lowered = stem.lower()
    for known in KNOWN_SUFFIXES[kind]:
        if lowered.endswith(f".{known}"):
            stem = _clean_stem(stem[: -len(known) - 1])
            break
    if stem.split(".", 1)[0].upper() in WINDOWS_RESERVED_NAMES:
        stem = f"_{stem}"
    stem = _truncate_stem(stem, extension) or FALLBACK_STEM
    return f"{stem}.{extension}"


def _clean_stem(stem: str) -> str:
    """Replace unsafe characters, collapse runs and trim the ends (see safe_attachment_name)."""
    kept = "".join(
        character if unicodedata.category(character)[0] in "LNM" or character in " -_.()" else "_"
        for character in stem
    )
    # A dash between spaces would otherwise leave " _ " in the name: one underscore reads better.
    kept = re.sub(r"[ _]*_[ _]*", "_", kept)
    kept = re.sub(r" {2,}", " ", kept)
    kept = re.sub(r"\.{2,}", ".", kept)
    return kept.lstrip(" ._-").rstrip(" ._")


def _truncate_stem(stem: str, extension: str) -> str:
    """Cut the stem so the whole name fits both the character and the byte limit."""
    original = stem
    stem = stem[: SAFE_NAME_MAX_CHARS - len(extension) - 1]
    byte_budget = SAFE_NAME_MAX_BYTES - len(extension) - 1
    while len(stem.encode("utf-8")) > byte_budget:
        stem = stem[:-1]
    if stem != original:
        # A cut may leave a trailing dot or space, or split a letter from the next accent.
        while stem and unicodedata.category(original[len(stem)])[0] == "M":
            stem = stem[:-1]
    return stem.rstrip(" ._")
