"""A signed-off PEP's PDF is made once, from what was signed off, and never changes."""

import pytest

from children.school_year import PepTemplate
from documents.services import pep_pdf_for, signed_off_pdf_name
from pep_portal.files import private_storage, read_bytes
from peps.models import PepSection
from tests.documents.conftest import sign_off
from tests.documents.reading import read_pdf
from tests.factories import SchoolFactory


@pytest.fixture
def signed_off(personas, peps_by_template):  # type: ignore[no-untyped-def]
    return sign_off(personas, peps_by_template[PepTemplate.YG])


def test_a_signed_off_pdf_is_kept_and_named_from_the_meeting(signed_off):
    document = pep_pdf_for(signed_off)
    assert read_bytes(signed_off_pdf_name(signed_off)) == document.content
    assert document.filename == "ZQ_2026-11-10_PEP.pdf"
    text = read_pdf(document.content).text
    assert "Signed off by Vic School on" in text and "Working copy" not in text


def test_a_signed_off_pdf_is_byte_identical_after_later_edits(signed_off):
    first = pep_pdf_for(signed_off).content
    child = signed_off.child
    child.legal_first_name, child.preferred_name, child.upn = "Zed", "Zee", "Z801200012999"
    child.save()
    # Sections are locked by the services once signed off; change them underneath anyway.
    PepSection.objects.filter(pep=signed_off).update(answers={"comments": "Rewritten later"})
    child.enrolments.update(school=SchoolFactory(name="Elsewhere Academy"))
    signed_off.refresh_from_db()
    again = pep_pdf_for(signed_off)
    assert again.content == first
    assert again.filename == "ZQ_2026-11-10_PEP.pdf"


def test_a_lost_signed_off_pdf_is_made_again_from_the_snapshot_not_the_live_record(signed_off):
    child = signed_off.child
    child.legal_first_name, child.legal_last_name = "Zed", "Other"
    child.save()
    PepSection.objects.filter(pep=signed_off, key="teacher_comments").update(
        answers={"comments": "Rewritten later"}
    )
    signed_off.refresh_from_db()
    text = read_pdf(pep_pdf_for(signed_off).content).text
    assert "Zara Quill" in text and "Zed" not in text
    assert "Answer to Designated teacher's comments" in text
    assert "Rewritten later" not in text
    assert pep_pdf_for(signed_off).filename == "ZQ_2026-11-10_PEP.pdf"


def test_the_same_snapshot_renders_to_the_same_bytes(signed_off):
    first = pep_pdf_for(signed_off).content
    private_storage().delete(signed_off_pdf_name(signed_off))
    assert pep_pdf_for(signed_off).content == first
