"""Rendering fetches nothing it was not given: no network, no file outside static/pdf/."""

import socket
import threading

import pytest
from weasyprint import HTML

from children.school_year import PepTemplate
from documents import layout, pdf
from documents.layout import StaticOnlyFetcher
from documents.pdf import STATIC_PDF_DIR, STYLESHEET, FetchRefused
from peps.services import section_save
from tests.documents.reading import read_pdf

EVIL_ANSWER = (
    'See <img src="file:///etc/passwd"> and <img src="http://example.com/x.png">'
    ' <link rel="stylesheet" href="https://example.com/x.css">'
)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "file:///etc/passwd",
        f"{STATIC_PDF_DIR.as_uri()}/../../pep_portal/settings.py",
        f"{STATIC_PDF_DIR.as_uri()}/%2e%2e/%2e%2e/pep_portal/settings.py",
        f"file://example.com{STYLESHEET}",
        f"{STATIC_PDF_DIR.as_uri()}/fonts/",
        f"{STATIC_PDF_DIR.as_uri()}/no-such-file.css",
    ],
)
def test_the_fetcher_refuses_the_network_and_files_outside_static_pdf(url):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_refuses_a_symlink_out_of_its_folder(tmp_path):
    (tmp_path / "passwd.css").symlink_to("/etc/passwd")
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher(root=tmp_path).fetch((tmp_path / "passwd.css").as_uri())


def test_the_fetcher_serves_the_stylesheet_and_fonts():
    fetcher = StaticOnlyFetcher()
    css = fetcher.fetch(STYLESHEET.as_uri())
    assert b"@font-face" in css.read() and css.content_type == "text/css"
    font = fetcher.fetch((STATIC_PDF_DIR / "fonts" / "LiberationSans-Regular.ttf").as_uri())
    assert font.content_type == "font/ttf"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection is recorded (and fails)."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        attempts.append(args)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def fetched(monkeypatch):
    """Every URL the render asked for, and whether it was served."""
    asked: list[tuple[str, bool]] = []
    original = StaticOnlyFetcher.path_for

    def spy(self, url):  # type: ignore[no-untyped-def]
        try:
            path = original(self, url)
        except FetchRefused:
            asked.append((url, False))
            raise
        asked.append((url, True))
        return path

    monkeypatch.setattr(StaticOnlyFetcher, "path_for", spy)
    return asked


def test_weasyprint_given_markup_with_outside_urls_fetches_none_of_them(no_network, fetched):
    html = (
        '<html lang="en"><body><img src="file:///etc/passwd" alt="">'
        '<img src="http://example.com/x.png" alt="">'
        '<link rel="stylesheet" href="https://example.com/x.css"><p>Hello</p></body></html>'
    )
    data = HTML(string=html, url_fetcher=StaticOnlyFetcher()).write_pdf()
    assert data.startswith(b"%PDF")
    assert {url for url, served in fetched if served} == set()
    assert {url for url, _ in fetched} >= {"file:///etc/passwd", "http://example.com/x.png"}
    assert no_network == []


def test_markup_typed_into_a_pep_is_printed_as_text_and_nothing_is_fetched(
    personas, peps_by_template, no_network, fetched, monkeypatch
):
    # Load the stylesheet afresh, so its fonts are fetched (and seen) during this render.
    monkeypatch.setattr(layout, "_prepared", threading.local())
    pep = peps_by_template[PepTemplate.YG]
    section = pep.sections.get(key="teacher_comments")
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={**section.answers, "comments": EVIL_ANSWER},
        base_version=section.version,
    )
    document = pdf.pep_document(pep)
    html = pdf.render_html(document)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html
    text = read_pdf(pdf.html_to_pdf(html)).text
    assert '<img src="file:///etc/passwd">' in text
    assert '<img src="http://example.com/x.png">' in text
    # Only the stylesheet's fonts were read; nothing was refused because nothing else was asked.
    assert fetched and all(served for _, served in fetched)
    assert all(url.startswith(STATIC_PDF_DIR.as_uri() + "/fonts/") for url, _ in fetched)
    assert no_network == []


def test_a_render_that_takes_too_long_is_stopped():
    html = (
        "<html lang='en'><body>" + "<p>Many words in a long answer.</p>" * 6000 + "</body></html>"
    )
    with pytest.raises(pdf.RenderTimeout):
        pdf.html_to_pdf(html, seconds=0.05)


def test_a_render_in_a_thread_is_stopped_too_and_the_thread_carries_on_unharmed():
    """Worker threads (gunicorn gthread, Celery's thread pool) get the same limit: there is no
    alarm signal, which only ever reached the main thread."""
    import threading
    import time

    html = (
        "<html lang='en'><body>" + "<p>Many words in a long answer.</p>" * 6000 + "</body></html>"
    )
    outcome: list[str] = []

    def render() -> None:
        started = time.monotonic()
        try:
            pdf.html_to_pdf(html, seconds=0.05)
        except pdf.RenderTimeout:
            outcome.append(f"stopped after {time.monotonic() - started:.1f}")
        # Nothing is left pending to surface later in the same thread.
        time.sleep(0.6)
        outcome.append("carried on")

    thread = threading.Thread(target=render)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(outcome) == 2 and outcome[1] == "carried on"
    assert outcome[0].startswith("stopped after ") and float(outcome[0].split()[-1]) < 5


def test_a_render_inside_its_limit_is_untouched_and_leaves_no_exception_behind():
    import time

    with pdf.time_limit(0.2):
        pass
    time.sleep(0.6)  # the watchdog has stood down: nothing is raised here
    assert pdf.html_to_pdf("<html lang='en'><body><p>Short.</p></body></html>").startswith(b"%PDF")
