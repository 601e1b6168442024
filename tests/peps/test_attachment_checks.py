"""The attachment check against real files of every kind, and against the files people and
attackers actually send: renamed executables, protected Office files, zip bombs, odd names.

No database: the check is a pure function of a name and some bytes.
"""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from peps import attachments
from peps.attachments import (
    MAX_ATTACHMENT_BYTES,
    MESSAGE_EMPTY,
    MESSAGE_LEGACY_EXCEL,
    MESSAGE_LEGACY_WORD,
    MESSAGE_MACRO_EXCEL,
    MESSAGE_MACRO_WORD,
    MESSAGE_PROTECTED,
    MESSAGE_TOO_LARGE,
    MESSAGE_WRONG_TYPE,
    CheckedFile,
    check_attachment,
    safe_attachment_name,
)
from tests.fixtures.attachments import samples

FIXTURES = Path(samples.__file__).parent


def check(name: str, data: bytes) -> CheckedFile:
    return check_attachment(name, io.BytesIO(data), size=len(data))


def refusal(name: str, data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(name, data)
    return caught.value


class ZerosStream(io.RawIOBase):
    """A seekable stream of `length` zero bytes that never exists in memory; counts reads."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.position = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = base + offset
        return self.position

    def read(self, size: int = -1) -> bytes:
        available = max(self.length - self.position, 0)
        count = available if size < 0 else min(size, available)
        self.position += count
        self.bytes_read += count
        return bytes(count)


# Accepted files


@pytest.mark.parametrize(
    ("name", "build", "kind", "content_type", "safe_name"),
    [
        ("EHCP.pdf", samples.pdf_bytes, "pdf", "application/pdf", "EHCP.pdf"),
        (
            "School report.docx",
            samples.docx_bytes,
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "School report.docx",
        ),
        (
            "Attendance.XLSX",
            samples.xlsx_bytes,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Attendance.xlsx",
        ),
        ("drawing.jpeg", samples.jpeg_bytes, "jpeg", "image/jpeg", "drawing.jpg"),
        ("certificate.png", samples.png_bytes, "png", "image/png", "certificate.png"),
    ],
)
def test_each_allowed_kind_is_accepted_with_its_real_type_size_and_hash(
    name, build, kind, content_type, safe_name
):
    data = build()

    checked = check(name, data)

    assert checked == CheckedFile(
        kind=kind,
        content_type=content_type,
        extension=safe_name.rsplit(".", 1)[1],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        safe_name=safe_name,
    )


def test_a_jpeg_named_png_is_accepted_as_a_jpeg_and_renamed_to_match():
    checked = check("photo.png", samples.jpeg_bytes())

    assert (checked.kind, checked.safe_name) == ("jpeg", "photo.jpg")


def test_a_docx_whose_main_part_type_comes_from_a_default_is_accepted():
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="xml" ContentType="{samples.WORD_MAIN}"/></Types>'
    )
    entries = samples.ooxml_entries("word/document.xml", samples.WORD_MAIN, samples.DOCUMENT_XML)
    entries["[Content_Types].xml"] = content_types

    assert check("minutes.docx", samples.zip_bytes(entries)).kind == "docx"


def test_a_pdf_with_a_user_password_is_refused_even_if_its_name_says_nothing():
    error = refusal("notes", samples.encrypted_pdf_bytes(user_password="letmein"))

    assert (error.code, error.message) == ("password_protected", MESSAGE_PROTECTED)


def test_django_uploads_in_memory_and_on_disk_are_checked_and_left_at_the_start(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    data = samples.pdf_bytes()
    on_disk = TemporaryUploadedFile("EHCP.pdf", "application/pdf", len(data), None)
    on_disk.write(data)
    uploads = [SimpleUploadedFile("EHCP.pdf", data, "application/pdf"), on_disk]

    for upload in uploads:
        checked = check_attachment(upload.name, upload, size=upload.size)

        assert checked.kind == "pdf"
        assert upload.tell() == 0
        assert upload.read() == data
    on_disk.close()


def test_the_stream_is_rewound_after_a_refusal_too():
    stream = io.BytesIO(samples.text_bytes())

    with pytest.raises(ValidationError):
        check_attachment("letter.pdf", stream)

    assert stream.tell() == 0


def test_a_file_of_exactly_10mb_is_not_too_large():
    jpeg = samples.jpeg_bytes()
    # Bytes after a JPEG's end marker are ignored by viewers: the file is still a JPEG.
    data = jpeg + bytes(MAX_ATTACHMENT_BYTES - len(jpeg))

    assert check("big.jpg", data).size == MAX_ATTACHMENT_BYTES


# Size


def test_an_empty_file_is_refused_as_empty():
    error = refusal("report.pdf", b"")

    assert (error.code, error.message) == ("empty", MESSAGE_EMPTY)


def test_a_file_declared_over_10mb_is_refused_without_reading_it():
    stream = ZerosStream(MAX_ATTACHMENT_BYTES + 1)

    with pytest.raises(ValidationError) as caught:
        check_attachment("scan.pdf", stream, size=MAX_ATTACHMENT_BYTES + 1)

    assert (caught.value.code, caught.value.message) == ("too_large", MESSAGE_TOO_LARGE)
    assert stream.bytes_read == 0


@pytest.mark.parametrize("declared", [None, 1000])
def test_a_stream_over_10mb_is_refused_after_reading_at_most_one_byte_past_the_limit(declared):
    # 50MB that is never allocated; a lying declared size must not let it through either.
    stream = ZerosStream(50 * 1024 * 1024)

    with pytest.raises(ValidationError) as caught:
        check_attachment("scan.pdf", stream, size=declared)

    assert caught.value.code == "too_large"
    assert stream.bytes_read <= MAX_ATTACHMENT_BYTES + 1


# Wrong type, whatever the name says


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("homework.pdf", samples.windows_executable_bytes),
        ("homework.pdf", samples.elf_bytes),
        ("letter.pdf", samples.text_bytes),
        ("drawing.png", samples.html_bytes),
        (
            "drawing.png",
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("archive.docx", lambda: samples.zip_bytes({"notes.txt": "hello"})),
        (
            "slides.docx",
            lambda: samples.zip_bytes(
                samples.ooxml_entries(
                    "ppt/presentation.xml",
                    "application/vnd.openxmlformats-officedocument.presentationml"
                    ".presentation.main+xml",
                    "<p:presentation/>",
                )
            ),
        ),
    ],
    ids=["exe", "elf", "text", "html", "svg", "plain-zip", "pptx"],
)
def test_a_file_that_is_not_an_allowed_kind_is_refused_with_the_list_of_kinds(name, build):
    error = refusal(name, build())

    assert (error.code, error.message) == ("wrong_type", MESSAGE_WRONG_TYPE)


# Password-protected, macro-enabled and old Office formats


@pytest.mark.parametrize(
    "build",
    [
        samples.encrypted_pdf_bytes,
        samples.encrypted_office_bytes,
        samples.crude_encrypted_office_bytes,
    ],
    ids=["pdf-empty-user-password", "office-cfb", "office-signature-only"],
)
def test_a_password_protected_file_is_refused_with_the_remove_the_password_message(build):
    error = refusal("EHCP.docx", build())

    assert (error.code, error.message) == ("password_protected", MESSAGE_PROTECTED)


@pytest.mark.parametrize(
    ("build", "message"),
    [(samples.docm_bytes, MESSAGE_MACRO_WORD), (samples.xlsm_bytes, MESSAGE_MACRO_EXCEL)],
)
def test_a_macro_enabled_office_file_is_refused_even_when_named_as_plain_office(build, message):
    error = refusal("report.docx", build())

    assert (error.code, error.message) == ("macro_enabled", message)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (samples.legacy_doc_bytes, MESSAGE_LEGACY_WORD),
        (samples.legacy_xls_bytes, MESSAGE_LEGACY_EXCEL),
    ],
)
def test_an_old_doc_or_xls_is_refused_with_how_to_save_it_as_the_new_format(build, message):
    error = refusal("report.doc", build())

    assert (error.code, error.message) == ("legacy_format", message)


# Damaged files


def test_a_truncated_pdf_is_refused_as_damaged():
    error = refusal("EHCP.pdf", samples.truncated_pdf_bytes())

    assert (error.code, error.message) == (
        "damaged",
        "The selected file is damaged or not really a PDF",
    )


@pytest.mark.parametrize(
    "build",
    [lambda: b"%PDF-1.7\n" + b"not really a pdf\n" * 20, samples.no_pages_pdf_bytes],
    ids=["header-only", "no-pages"],
)
def test_a_pdf_that_does_not_parse_or_has_no_pages_is_refused_as_damaged(build):
    assert refusal("EHCP.pdf", build()).code == "damaged"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: samples.docx_bytes()[:-40],
            "The selected file is damaged or not really a Word document (DOCX)",
        ),
        (
            lambda: samples.zip_bytes(
                {**samples.ooxml_entries("word/document.xml", "x", ""), "[Content_Types].xml": "<"}
            ),
            "The selected file is damaged or not really a Word document (DOCX)",
        ),
        (
            lambda: samples.zip_bytes(
                {
                    **samples.ooxml_entries("xl/workbook.xml", samples.EXCEL_MAIN, ""),
                    "[Content_Types].xml": samples.BILLION_LAUGHS,
                }
            ),
            "The selected file is damaged or not really an Excel spreadsheet (XLSX)",
        ),
    ],
    ids=["cut-off-zip-directory", "content-types-not-xml", "content-types-with-a-dtd"],
)
def test_an_office_file_whose_package_does_not_open_is_refused_as_damaged(build, message):
    error = refusal("report.docx", build())

    assert (error.code, error.message) == ("damaged", message)


def test_a_truncated_png_is_refused_as_damaged():
    data = samples.png_bytes(size=(200, 200))

    error = refusal("drawing.png", data[: len(data) // 2])

    assert (error.code, error.message) == (
        "damaged",
        "The selected file is damaged or not really a PNG",
    )


# Bombs: refused from what the file claims, without expanding it


def test_a_docx_hiding_50mb_of_zeros_is_refused_for_its_compression_ratio():
    data = samples.zip_bomb_bytes(50 * 1024 * 1024)
    assert len(data) < 100_000

    assert refusal("report.docx", data).code == "zip_ratio"


def test_a_docx_that_would_expand_past_200mb_is_refused():
    data = samples.zip_bomb_bytes(201 * 1024 * 1024, compresslevel=1)

    assert refusal("report.docx", data).code == "zip_too_large_uncompressed"


def test_a_docx_with_more_than_10000_parts_is_refused():
    assert refusal("report.docx", samples.many_entries_docx_bytes(10_001)).code == (
        "zip_too_many_entries"
    )


def test_a_docx_with_10000_parts_is_still_accepted():
    # 10,000 including the three real parts: the limit itself is allowed.
    assert check("report.docx", samples.many_entries_docx_bytes(9_997)).kind == "docx"


@pytest.mark.parametrize("side", [10_000, 20_000], ids=["over-pillow-limit", "over-twice-it"])
def test_an_image_claiming_huge_dimensions_is_refused_before_it_is_decoded(side):
    error = refusal("drawing.png", samples.png_claiming_bytes(side, side))

    assert error.code == "image_too_big"


# Names: never trusted, always made safe


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("C:\\Users\\carer\\Documents\\School report.PDF", "pdf", "School report.pdf"),
        ("..\uff0f..\uff0fsecret.pdf", "pdf", "secret.pdf"),
        ("report.PDF", "pdf", "report.pdf"),
        ("evil.pdf.exe", "pdf", "evil.pdf"),
        ("scan.jpeg", "jpeg", "scan.jpg"),
        ("photo.png", "jpeg", "photo.jpg"),
        ("Annual review v1.2", "pdf", "Annual review v1.2.pdf"),
        ("Zo\u00eb \u2013 report \u2713.docx", "docx", "Zo\u00eb_report.docx"),
        ("Zoe\u0301 report.pdf", "pdf", "Zo\u00e9 report.pdf"),
        ("\u5b66\u6821\u306e\u5831\u544a.pdf", "pdf", "\u5b66\u6821\u306e\u5831\u544a.pdf"),
        ("report\n.pdf", "pdf", "report.pdf"),
        ("line\r\nbreak\t here.pdf", "pdf", "line_break_here.pdf"),
        ("\u202efdp.exe", "pdf", "fdp.pdf"),
        ("..pdf", "pdf", "attachment.pdf"),
        (".pdf", "pdf", "attachment.pdf"),
        ("", "pdf", "attachment.pdf"),
        ("../", "png", "attachment.png"),
        ("\x00\x01\x02.pdf", "pdf", "attachment.pdf"),
        ("CON.docx", "docx", "_CON.docx"),
        ("-rf.pdf", "pdf", "rf.pdf"),
    ],
)
def test_a_safe_name_keeps_the_base_name_and_gets_the_detected_extension(name, kind, expected):
    assert safe_attachment_name(name, kind) == expected


def test_a_very_long_name_is_cut_to_100_characters_keeping_the_extension():
    safe = safe_attachment_name("a" * 300 + ".pdf", "pdf")

    assert safe == "a" * 96 + ".pdf"


def test_a_very_long_non_latin_name_is_cut_to_fit_a_filesystem_name():
    safe = safe_attachment_name("\u5831" * 300 + ".pdf", "pdf")

    assert safe.endswith("\u5831.pdf")
    assert len(safe.encode("utf-8")) <= 200


def test_the_checked_file_carries_the_safe_name():
    assert check("../../etc/passwd.pdf", samples.pdf_bytes()).safe_name == "passwd.pdf"


@given(name=st.text(max_size=400), kind=st.sampled_from(["pdf", "docx", "xlsx", "jpeg", "png"]))
def test_any_name_at_all_gives_a_short_visible_name_with_the_right_extension(name, kind):
    safe = safe_attachment_name(name, kind)

    stem, _, extension = safe.rpartition(".")
    assert extension == {"jpeg": "jpg"}.get(kind, kind)
    assert stem
    assert not safe.startswith((".", " ", "-"))
    assert len(safe) <= 100
    assert len(safe.encode("utf-8")) <= 200
    assert not any(character in safe for character in '/\\:*?"<>|')
    assert all(character.isprintable() for character in safe)


# Defect 16 (issue 12): a "PDF" that does not start as one, and PDFs with active content


def test_defect_16_html_with_a_pdf_later_in_the_file_is_refused():
    error = refusal("report.pdf", samples.html_then_pdf_bytes())
    assert error.code == "damaged"
    assert error.messages == ["The selected file is damaged or not really a PDF"]


@pytest.mark.parametrize(
    "build",
    [
        samples.pdf_open_action_javascript_bytes,
        samples.pdf_document_javascript_bytes,
        samples.pdf_page_action_javascript_bytes,
        samples.pdf_hidden_javascript_bytes,
        samples.pdf_launch_bytes,
        samples.pdf_embedded_file_bytes,
        samples.pdf_xfa_form_bytes,
    ],
)
def test_defect_16_a_pdf_with_scripts_programs_or_files_inside_is_refused(build):
    error = refusal("report.pdf", build())
    assert error.code == "pdf_active_content"
    assert error.messages == [attachments.MESSAGE_PDF_ACTIVE_CONTENT]


def test_a_pdf_with_a_web_link_and_an_opening_view_is_still_accepted():
    assert check("links.pdf", samples.pdf_link_and_bookmark_bytes()).kind == "pdf"


def test_a_pdf_that_points_to_itself_is_checked_without_looping():
    looped = samples.raw_pdf_bytes(page=b"/Self 3 0 R /Again [1 0 R 2 0 R 3 0 R]")
    assert check("loop.pdf", looped).kind == "pdf"


# The committed samples behave as their README says


@pytest.mark.parametrize(
    ("file_name", "outcome"),
    [
        ("valid.pdf", "pdf"),
        ("valid.docx", "docx"),
        ("valid.xlsx", "xlsx"),
        ("valid.jpg", "jpeg"),
        ("valid.png", "png"),
        ("encrypted-empty-password.pdf", "password_protected"),
        ("password-protected.docx", "password_protected"),
        ("truncated.pdf", "damaged"),
        ("macro.docm", "macro_enabled"),
        ("legacy.doc", "legacy_format"),
        ("homework.pdf", "wrong_type"),
        ("script.png", "wrong_type"),
        ("letter.pdf", "wrong_type"),
        ("html-then-pdf.pdf", "damaged"),
        ("javascript.pdf", "pdf_active_content"),
        ("embedded-file.pdf", "pdf_active_content"),
    ],
)
def test_each_committed_sample_is_accepted_or_refused_as_documented(file_name, outcome):
    data = (FIXTURES / file_name).read_bytes()

    try:
        result = check(file_name, data).kind
    except ValidationError as error:
        result = error.code

    assert result == outcome


def test_the_committed_samples_are_the_ones_the_readme_lists():
    on_disk = {
        path.name
        for path in FIXTURES.iterdir()
        if path.is_file() and path.suffix not in {".py", ".md", ".pyc"}
    }

    assert on_disk == set(samples.COMMITTED)
    readme = (FIXTURES / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in on_disk)
