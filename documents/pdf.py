"""PEP documents as PDF: the context, the HTML and the PDF, for a live PEP or as signed off.

Three steps, each pure apart from reading the PEP:

1. `pep_document` gathers what the document says into plain data (`PepDocument`), either from
   the live PEP or from `Pep.signed_off_snapshot` (peps/services.py `pep_snapshot`), so a
   signed-off PEP prints exactly what was signed off.
2. `render_html` fills `templates/pdf/pep_<template>.html` with it (Django templates, so every
   answer is escaped: text typed into a PEP is never markup).
3. `html_to_pdf` hands the HTML to WeasyPrint (documents/layout.py, imported by the first
   render) with `StaticOnlyFetcher`, which serves files from static/pdf/ (the stylesheet and
   its fonts) and refuses everything else: no network, no other file. It runs under a time
   limit so one huge PEP cannot hold a worker.

The PDF is tagged, as PDF/UA-1, for screen readers; it has no password (the case systems it is
uploaded to need none, and access is controlled in the portal instead).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import logging
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from children.models import Child, Enrolment
from children.school_year import PepTemplate, year_group_on
from peps.models import Pep, PepStatus, SectionStatus, Term
from peps.records import records_state_for
from peps.sections import (
    RECORDED,
    TO_CONFIRM,
    FieldSpec,
    Kind,
    sections_for,
    with_records,
)
from peps.selectors import display_answer, previously_recorded

logger = logging.getLogger(__name__)

# The only folder a render may read from: the print stylesheet and the fonts it names.
STATIC_PDF_DIR = Path(settings.BASE_DIR) / "static" / "pdf"
STYLESHEET = STATIC_PDF_DIR / "pep.css"
# Tagged PDF with the PDF/UA-1 identification, for screen readers (WeasyPrint 70 `pdf_variant`).
PDF_VARIANT = "pdf/ua-1"
# Seconds one render may take. A typical PEP takes well under one (README, "PDF documents").
RENDER_TIME_LIMIT = float(getattr(settings, "PEP_PDF_RENDER_SECONDS", 30))
# Long tables are cut into tables of this many rows: one table that runs over many pages is
# slow to lay out, and a short one with its own header row reads better on paper.
ROWS_PER_TABLE = 6

TEMPLATE_NAMES = {
    PepTemplate.EYFS: "pdf/pep_eyfs.html",
    PepTemplate.YG: "pdf/pep_yg.html",
    PepTemplate.POST_16: "pdf/pep_post16.html",
}


# --- File names ----------------------------------------------------------------------------

# Letters that Unicode does not decompose into an ASCII letter and a mark.
_TRANSLITERATE = str.maketrans(
    {
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "Th",
        "þ": "th",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "ß": "ss",
        "\u0131": "i",  # the Turkish dotless i
    }
)


def ascii_letters(text: str) -> str:
    """The ASCII letters of `text`, accents removed: "Zoë Ångström" → "ZoeAngstrom"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_TRANSLITERATE))
    return "".join(c for c in decomposed if c.isascii() and c.isalpha())


def initials(first_name: str, last_name: str) -> str:
    """Upper-case initials of the legal first and last names, in ASCII: "O'Neill" gives "O",
    "Brooks-Walker" "B", "Ångström" "A". A name with no Latin letter gives no initial; no
    initials at all gives "Child", so a file name is never empty."""
    letters = [ascii_letters(name)[:1].upper() for name in (first_name, last_name)]
    return "".join(letters) or "Child"


def pep_pdf_filename(child: Any, pep_date: dt.date) -> str:
    """`AB_2026-11-10_PEP.pdf`: the child's initials (never the name) and the PEP's date.

    `child` is anything with `legal_first_name` and `legal_last_name` (a Child)."""
    return f"{initials(child.legal_first_name, child.legal_last_name)}_{pep_date:%Y-%m-%d}_PEP.pdf"


def pep_date(pep: Pep) -> dt.date:
    """The date a PEP goes by: its meeting if held, else when it was due, else its creation."""
    return pep.meeting_on or pep.due_on or timezone.localdate(pep.created_at)


def pep_filename(pep: Pep) -> str:
    """The PDF's file name: from what was signed off, once it has been; else from the PEP."""
    if pep.status == PepStatus.SIGNED_OFF and pep.signed_off_snapshot:
        first, last = _snapshot_names(pep.signed_off_snapshot, pep.child)
        day = _snapshot_date(pep)
        return f"{initials(first, last)}_{day:%Y-%m-%d}_PEP.pdf"
    return pep_pdf_filename(pep.child, pep_date(pep))


# --- What the document says ----------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A small table: a caption, column headings, rows (first cell a row heading)."""

    caption: str
    headings: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class DocSection:
    key: str
    title: str
    owner: str
    description: str
    status: str
    updated_by: str
    answers: list[tuple[str, Any]]
    grid: Grid | None = None
    # Answers to questions no longer asked (peps.selectors.previously_recorded).
    previously: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ChildDetails:
    name: str
    known_as: str
    date_of_birth: dt.date
    upn: str
    school: str
    year_group: str


@dataclass
class PepDocument:
    pep_id: int
    title: str
    template: str
    template_label: str
    initials: str
    date: dt.date
    child: ChildDetails
    status: str
    due_on: dt.date | None
    meeting_on: dt.date | None
    sections: list[DocSection]
    authority: str
    signed_off: bool
    signed_off_by: str = ""
    signed_off_on: dt.date | None = None
    # Set once the meetings and quality assurance issues land (see `_extra`).
    meeting: dict[str, Any] | None = None
    attendees: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    qa: dict[str, Any] | None = None
    # The term's education outcomes and the attendance chart (outcomes.selectors).
    education: dict[str, Any] | None = None
    rendered_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def filename(self) -> str:
        return f"{self.initials}_{self.date:%Y-%m-%d}_PEP.pdf"

    @property
    def target_tables(self) -> list[list[dict[str, Any]]]:
        return chunked(self.targets, ROWS_PER_TABLE)

    @property
    def created(self) -> str:
        """The PDF's creation date: the sign-off for a signed-off PEP, so it is stable."""
        return self.rendered_at.isoformat(timespec="seconds")


def chunked(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _school_on(child: Child, day: dt.date) -> str:
    enrolment = (
        Enrolment.objects.filter(child=child, started_on__lte=day)
        .exclude(ended_on__lt=day)
        .select_related("school")
        .order_by("-started_on")
        .first()
    )
    if enrolment is None:
        return "No school place"
    return enrolment.school.label


def _section_status(status: str) -> str:
    return SectionStatus(status).label if status in SectionStatus.values else status


def _doc_sections(
    template: str,
    stored: dict[str, dict[str, Any]],
    *,
    initial: bool = False,
    states: dict[str, str] | None = None,
) -> list[DocSection]:
    """Every section the template asks, in order, from peps/sections.py (so the document
    never falls out of step with the forms); a section with no stored row still prints. An
    initial PEP leaves out the questions about a last PEP, as its forms do. A RECORDS question
    prints its records' state (`states`, for a live PEP; a snapshot holds it among its answers)
    and the records themselves print in the education tables; answers to questions no longer
    asked print as "previously recorded"."""
    result = []
    for spec in sections_for(template):
        row = stored.get(spec.key, {})
        answers = row.get("answers") or {}
        if states is not None:
            answers = with_records(spec, answers, states)
        result.append(
            DocSection(
                key=spec.key,
                title=spec.title,
                owner=spec.owner.label,
                description=spec.description,
                status=_section_status(row.get("status", SectionStatus.NOT_STARTED)),
                updated_by=row.get("updated_by", ""),
                answers=[
                    (f.label, _printed(f, answers.get(f.name)))
                    for f in spec.fields_for(template, initial=initial)
                ],
                previously=previously_recorded(
                    spec, {**answers, **(row.get("previously_recorded") or {})}
                ),
            )
        )
    return result


def _printed(spec: FieldSpec, value: Any) -> Any:
    shown = display_answer(spec, value)
    if spec.kind == Kind.RECORDS and value in (RECORDED, TO_CONFIRM):
        return f"{shown}: in “Attendance, exclusions and attainment” below"
    return shown


def _live_document(pep: Pep) -> PepDocument:
    child = pep.child
    day = pep_date(pep)
    stored = {
        s.key: {
            "answers": s.answers,
            "previously_recorded": s.previously_recorded,
            "status": s.status,
            "updated_by": s.updated_by.full_name if s.updated_by else "",
        }
        for s in pep.sections.select_related("updated_by")
    }
    return PepDocument(
        pep_id=pep.pk,
        title=pep.title,
        template=pep.template,
        template_label=PepTemplate(pep.template).label,
        initials=initials(child.legal_first_name, child.legal_last_name),
        date=day,
        child=ChildDetails(
            name=f"{child.legal_first_name} {child.legal_last_name}",
            known_as=child.display_name,
            date_of_birth=child.date_of_birth,
            upn=child.upn,
            school=_school_on(child, min(day, timezone.localdate())),
            year_group=year_group_on(child.date_of_birth, day).label,
        ),
        status=pep.get_status_display(),
        due_on=pep.due_on,
        meeting_on=pep.meeting_on,
        sections=_doc_sections(
            pep.template,
            stored,
            initial=pep.term == Term.INITIAL,
            states=records_state_for(pep, list(sections_for(PepTemplate(pep.template)))),
        ),
        authority=child.authority.name,
        signed_off=False,
    )


def _snapshot_names(snapshot: dict[str, Any], child: Child) -> tuple[str, str]:
    """The legal first and last names as signed off. The snapshot keeps them joined; split
    them as the child's record does while it still says the same, else at the last space."""
    legal = snapshot["child"].get("legal_name", "")
    if f"{child.legal_first_name} {child.legal_last_name}" == legal:
        return child.legal_first_name, child.legal_last_name
    first, _, last = legal.rpartition(" ")
    return (first, last) if first else (last, "")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _snapshot_date(pep: Pep) -> dt.date:
    """`pep_date`, as signed off."""
    snapshot = pep.signed_off_snapshot or {}
    return (
        _date(snapshot.get("meeting_on"))
        or _date(snapshot.get("due_on"))
        or timezone.localdate(pep.created_at)
    )


def _signed_off_document(pep: Pep) -> PepDocument:
    snapshot = pep.signed_off_snapshot or {}
    child = pep.child
    first, last = _snapshot_names(snapshot, child)
    meeting_on, due_on = _date(snapshot.get("meeting_on")), _date(snapshot.get("due_on"))
    day = _snapshot_date(pep)
    signed_on = timezone.localdate(pep.signed_off_at) if pep.signed_off_at else day
    date_of_birth = dt.date.fromisoformat(snapshot["child"]["date_of_birth"])
    template = snapshot.get("template", pep.template)
    document = PepDocument(
        pep_id=pep.pk,
        title=snapshot.get("title", pep.title),
        template=template,
        template_label=PepTemplate(template).label,
        initials=initials(first, last),
        date=day,
        child=ChildDetails(
            name=f"{first} {last}".strip(),
            known_as=snapshot["child"].get("display_name", ""),
            date_of_birth=date_of_birth,
            upn=snapshot["child"].get("upn", ""),
            # Not in the snapshot: the school the child was on roll at when it was signed off.
            school=_school_on(child, signed_on),
            year_group=year_group_on(date_of_birth, day).label,
        ),
        status=PepStatus.SIGNED_OFF.label,
        due_on=due_on,
        meeting_on=meeting_on,
        sections=_doc_sections(
            template,
            {s["key"]: s for s in snapshot.get("sections", [])},
            initial=pep.term == Term.INITIAL,
        ),
        authority=child.authority.name,
        signed_off=True,
        signed_off_by=pep.signed_off_by.full_name if pep.signed_off_by else "",
        signed_off_on=signed_on,
    )
    if pep.signed_off_at:
        document.rendered_at = pep.signed_off_at
    return document


def pep_document(pep: Pep, *, extra: dict[str, Any] | None = None) -> PepDocument:
    """What the PDF says: as signed off when the PEP has been (from its snapshot), else as
    the PEP stands now. `extra` may carry `meeting`, `attendees`, `targets` and `qa` (model
    instances or dicts with the meetings models' field names) until those are gathered here."""
    if pep.status == PepStatus.SIGNED_OFF and pep.signed_off_snapshot:
        document = _signed_off_document(pep)
    else:
        document = _live_document(pep)
    _extra(document, extra or {})
    return document


# The meeting, its attendees, targets and quality assurance: taken from model instances or
# from dicts with the same names, so a future snapshot (JSON) prints the same way.
MEETING_FIELDS = (
    "kind",
    "status",
    "starts_at",
    "held_on",
    "venue",
    "venue_details",
    "discussion",
    "expected_progress",
    "next_meeting_on",
)
ACTION_FIELDS = ("what", "owner", "due_on", "done_on")
ATTENDEE_FIELDS = ("name", "role", "organisation", "attended", "absence_reason")
TARGET_FIELDS = (
    "what",
    "measure",
    "support",
    "responsible",
    "due_on",
    "cost",
    "funded_by_pp_plus",
)
REVIEW_FIELDS = ("outcome", "evidence", "reviewed_at")
QA_FIELDS = (
    "rating",
    "comments",
    "reviewed_by",
    "reviewed_on",
    "pp_decision",
    "pp_amount_approved",
    "pp_decision_notes",
)


def _value(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    display = getattr(obj, f"get_{name}_display", None)
    if callable(display):
        return display()
    value = getattr(obj, name, None)
    if hasattr(value, "all"):  # a related manager
        return list(value.all())
    if hasattr(value, "full_name"):  # a user
        return value.full_name
    return value


def _record(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(obj, name) for name in names}


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if hasattr(value, "all"):
        return list(value.all())
    return list(value)


def _extra(document: PepDocument, extra: dict[str, Any]) -> None:
    meeting = extra.get("meeting")
    if meeting is not None:
        document.meeting = _record(meeting, MEETING_FIELDS)
        document.meeting["actions"] = [
            _record(a, ACTION_FIELDS) for a in _items(_value(meeting, "actions"))
        ]
    document.attendees = [_record(a, ATTENDEE_FIELDS) for a in _items(extra.get("attendees"))]
    targets = []
    for target in _items(extra.get("targets")):
        row = _record(target, TARGET_FIELDS)
        row["reviews"] = [_record(r, REVIEW_FIELDS) for r in _items(_value(target, "reviews"))]
        targets.append(row)
    document.targets = targets
    qa = extra.get("qa")
    document.qa = _record(qa, QA_FIELDS) if qa is not None else None
    document.education = extra.get("education")


# --- HTML and PDF --------------------------------------------------------------------------


def render_html(document: PepDocument) -> str:
    return render_to_string(TEMPLATE_NAMES[PepTemplate(document.template)], {"doc": document})


class FetchRefused(ValueError):
    """A render asked for something outside static/pdf/: nothing is fetched."""


class RenderTimeout(Exception):
    """A render took longer than its time limit and was stopped."""


class _Expired(BaseException):
    # Raised in the rendering thread by its deadline. A BaseException, so WeasyPrint's own
    # `except Exception` handlers (it forgives a failed image, for one) cannot swallow it;
    # turned into RenderTimeout below.
    pass


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Ask Python to raise `exception` in the thread at its next bytecode (None: take back one
    asked for and not yet raised). What an alarm signal did, in any thread."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Stop the block after `seconds`, in whatever thread it runs (a gunicorn thread, a Celery
    prefork, thread or solo worker, a command): a watchdog thread raises an exception in this
    one at the deadline, and again every quarter second (an exception raised while a
    finaliser is running is swallowed, so the first may be lost). No signals: SIGALRM reaches
    only the main thread."""
    if not seconds:
        yield
        return
    target = threading.get_ident()
    lock = threading.Lock()
    stop = threading.Event()
    state = {"over": False, "fired": False}

    def watchdog() -> None:
        if stop.wait(seconds):
            return
        while True:
            with lock:
                if state["over"]:
                    return
                _raise_in(target, _Expired)
                state["fired"] = True
            if stop.wait(0.25):
                return

    threading.Thread(target=watchdog, name="pdf-render-deadline", daemon=True).start()

    def disarm() -> None:
        # Until the watchdog has stood down, its exception may still arrive here: take it and
        # try again, so none is left pending to surface in unrelated code.
        while True:
            try:
                with lock:
                    state["over"] = True
                    if state["fired"]:
                        _raise_in(target, None)
                stop.set()
                return
            except _Expired:
                continue

    try:
        yield
    except _Expired:
        raise RenderTimeout(f"The PDF took longer than {seconds:g} seconds to render") from None
    finally:
        disarm()


def html_to_pdf(html: str, *, seconds: float | None = RENDER_TIME_LIMIT) -> bytes:
    """The PDF of `html`, laid out with static/pdf/pep.css and its fonts only."""
    # WeasyPrint (with fontTools and Pillow, ~27 MB) is imported by the first render, not by
    # every process that imports this module: web workers and the default queue's workers
    # import it (receivers, services) but most never render (docs/performance-notes.md).
    from . import layout

    css, font_config = layout.stylesheet()
    with time_limit(seconds):
        return layout.write_pdf(html, css, font_config)


# Every face of the print font, a table and a list: enough for Pango to load the fonts and
# fill its caches the way a PEP's first render would.
_WARM_UP_HTML = """<!DOCTYPE html><html lang="en-GB"><head><title>Warm-up</title></head><body>
<div class="running-header">AB · PEP</div><div class="running-footer">Printed</div>
<h1>PEP</h1><p>Text, <b>bold</b>, <i>italic</i>, <b><i>both</i></b>; £1.50 · “quoted”.</p>
<table><caption>A table</caption><thead><tr><th scope="col">One</th><th scope="col">Two</th>
</tr></thead><tbody><tr><th scope="row">Row</th><td>Cell</td></tr></tbody></table>
<dl class="answers"><dt>Question</dt><dd>Answer</dd></dl></body></html>"""


def warm_up() -> None:
    """Make, before the first PEP, what every render reuses: the parsed stylesheet and its
    fonts, the compiled templates, Pango's font caches (a short document laid out). A
    documents worker's process calls it as it starts (documents/receivers.py), so its first
    PEP takes as long as the next; otherwise the first render pays ~0.2 s more."""
    from . import layout

    layout.stylesheet()
    for name in TEMPLATE_NAMES.values():
        get_template(name)
    html_to_pdf(_WARM_UP_HTML, seconds=None)


def prepare_rendering_process() -> None:
    """For a process that will render many PEPs (a documents worker's, as it starts): warm up,
    then freeze what the process holds (`gc.freeze`), so the garbage collector stops scanning
    the ~200,000 objects of Django and the portal during every render: its share of a render's
    CPU went from ~0.09 s to ~0.04 s (docs/performance-notes.md, "Task E")."""
    try:
        warm_up()
    except Exception:
        # The first PEP then makes them itself, a little slower: never a reason to stop.
        logger.exception("Could not warm up PDF rendering")
    gc.collect()
    gc.freeze()


def render_pep_pdf(pep: Pep, *, extra: dict[str, Any] | None = None) -> tuple[str, bytes]:
    """(file name, PDF) for a PEP: as signed off, or as it stands."""
    document = pep_document(pep, extra=extra)
    return document.filename, html_to_pdf(render_html(document))
