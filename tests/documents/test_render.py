"""A PEP of each template rendered to PDF and read back: what a reader must find in it."""

import datetime as dt
from decimal import Decimal

import pytest

from children.school_year import PepTemplate
from documents.pdf import pep_document, render_html, render_pep_pdf
from tests.documents.reading import read_pdf

CHILDREN = {
    PepTemplate.EYFS: ("Ada Quill", "AQ", "1 March 2022", "A801200012001", "Reception"),
    PepTemplate.YG: ("Zara Quill", "ZQ", "5 May 2015", "B801200012002", "Year 7"),
    PepTemplate.POST_16: ("Yusuf Quill", "YQ", "15 January 2010", "C801200012003", "Year 12"),
}


SECTION_TITLES = [
    "Learning historical record",
    "Current levels and attainment",
    "Attendance and exclusions",
    "Additional educational needs",
    "Teacher comments",
    "Pupil Premium Plus request",
    "Care information",
    "The child or young person's views",
    "Carer's contribution",
    "Historical data",
]


@pytest.mark.parametrize("template", list(PepTemplate))
def test_a_pep_of_each_template_prints_every_section_and_the_childs_details(
    peps_by_template, template
):
    pep = peps_by_template[template]
    filename, data = render_pep_pdf(pep)
    document = read_pdf(data)
    text = document.text
    name, initials, born, upn, year_group = CHILDREN[template]

    # Written out, not asked of peps.sections: a section dropped from the template or from the
    # PDF must fail here.
    for title in SECTION_TITLES:
        assert title in text, title
    for heading in ("Child's details", "PEP meeting", "Attendees", "Targets", "Sign-off"):
        assert heading in text
    assert "Quality assurance" in text and "Pupil Premium Plus decision" in text
    for detail in (name, born, upn, "Northam High School", year_group, pep.get_template_display()):
        assert detail in text, detail
    # Answers come through, as typed by each section's owner.
    assert "Answer to Education history" in text and "Answer to What I want to do or be" in text
    assert filename == f"{initials}_2026-12-31_PEP.pdf"  # no meeting yet: the due date
    # A full PEP of typical length: a handful of pages, not one, not dozens.
    assert 3 <= document.pages <= 8


def test_template_parts_show_attainment_as_the_template_asks(peps_by_template):
    eyfs = read_pdf(render_pep_pdf(peps_by_template[PepTemplate.EYFS])[1]).text
    assert "Areas of learning" in eyfs and "Expressive arts and design" in eyfs
    assert "Maths: working at" not in eyfs
    yg = read_pdf(render_pep_pdf(peps_by_template[PepTemplate.YG])[1]).text
    assert "End of year target" in yg and "Answer to English: working at" in yg
    post16 = read_pdf(render_pep_pdf(peps_by_template[PepTemplate.POST_16])[1]).text
    assert "Course and provider" in post16 and "Risk of not being in education" in post16
    assert "Areas of learning" not in post16


def test_every_page_is_marked_official_sensitive_with_initials_not_the_name(peps_by_template):
    document = read_pdf(render_pep_pdf(peps_by_template[PepTemplate.YG])[1])
    assert document.pages >= 2
    for number, (header, footer) in enumerate(
        zip(document.headers, document.footers, strict=True), start=1
    ):
        assert "OFFICIAL-SENSITIVE" in header and "OFFICIAL-SENSITIVE" in footer
        assert "ZQ · Autumn PEP 2026/27" in header
        assert "Zara" not in header and "Quill" not in header
        assert f"Page {number} of {document.pages}" in footer


def test_the_pdf_is_tagged_pdf_ua_without_a_password_and_uses_only_the_shipped_fonts(
    peps_by_template,
):
    document = read_pdf(render_pep_pdf(peps_by_template[PepTemplate.EYFS])[1])
    root = document.reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert b'pdfuaid:part="1"' in document.reader.xmp_metadata.stream.get_data()
    assert not document.reader.is_encrypted
    # The title a PDF viewer shows carries the initials, never the name.
    assert document.reader.metadata["/Title"] == "Autumn PEP 2026/27: AQ"
    # static/pdf/fonts, by the family name pep.css gives them; no system font stood in.
    assert document.font_names and all("PEP-Sans" in f for f in document.font_names)


def test_meeting_attendees_targets_reviews_and_qa_print_when_given(peps_by_template):
    pep = peps_by_template[PepTemplate.YG]
    targets = [
        {
            "what": f"Read a chapter book each fortnight ({n})",
            "measure": "Reading log checked by the class teacher",
            "support": "Daily reading with a teaching assistant",
            "responsible": "Dee Teacher",
            "due_on": dt.date(2027, 3, 31),
            "cost": Decimal("250.00"),
            "funded_by_pp_plus": True,
            "reviews": [
                {
                    "outcome": "Partly achieved",
                    "evidence": "Finished two of four books",
                    "reviewed_at": dt.datetime(2026, 11, 10, 10, tzinfo=dt.UTC),
                }
            ],
        }
        for n in range(1, 15)
    ]
    extra = {
        "meeting": {
            "kind": "PEP meeting",
            "held_on": dt.date(2026, 11, 10),
            "venue": "At school",
            "discussion": "Zara is settling well in Year 7.",
            "expected_progress": True,
            "actions": [{"what": "Book a tutor", "owner": "Vic School", "due_on": None}],
        },
        "attendees": [
            {"name": "Alice Social", "role": "Social worker", "attended": True},
            {"name": "Carol Carer", "role": "Carer", "attended": False, "absence_reason": "Ill"},
        ],
        "targets": targets,
        "qa": {"rating": "Good", "pp_decision": "Approved", "pp_amount_approved": 250},
    }
    document = read_pdf(render_pep_pdf(pep, extra=extra)[1])
    text = document.text
    assert "Zara is settling well in Year 7." in text and "Book a tutor" in text
    assert "Alice Social" in text and "Ill" in text
    for n in (1, 14):
        assert f"Read a chapter book each fortnight ({n})" in text
    assert "Finished two of four books" in text and "£250.00 (PP+)" in text
    # 14 targets are printed as three short tables, not one that runs on for pages.
    assert "SMART targets (3 of 3)" in text
    assert "Good" in text and "Approved" in text
    assert "No meeting recorded yet" not in text and "No targets recorded yet" not in text
    assert document.pages <= 12


def test_without_meetings_targets_or_qa_the_document_says_so(peps_by_template):
    text = read_pdf(render_pep_pdf(peps_by_template[PepTemplate.POST_16])[1]).text
    for absent in (
        "No meeting recorded yet",
        "No attendees recorded yet",
        "No targets recorded yet",
        "No quality assurance recorded yet",
        "No Pupil Premium Plus decision recorded yet",
        "Not signed off yet",
    ):
        assert absent in text


def test_a_working_copy_says_it_is_not_signed_off(peps_by_template):
    html = render_html(pep_document(peps_by_template[PepTemplate.EYFS]))
    assert "Working copy: In progress, not signed off" in html


def test_an_initial_pep_prints_no_question_about_a_last_pep(personas, pep_setting):
    """Registering a child entering care sets up their initial PEP. Only a termly PEP (Zara's
    Autumn PEP) asks what changed since the last PEP and "you said, we did"."""
    from peps.models import Term
    from tests.children.fixtures import register

    newcomer = register(personas, school=pep_setting.child.enrolments.get().school, name="Ned")
    initial = newcomer.peps.get(term=Term.INITIAL)

    def labels(pep):  # type: ignore[no-untyped-def]
        return {label for s in pep_document(pep).sections for label, _ in s.answers}

    about_last = {
        "Changes since the last PEP",
        "You said, we did: what was done about their views last time",
    }
    assert about_last <= labels(pep_setting.pep)
    assert not about_last & labels(initial)
