"""A Pupil Premium Plus decision made after sign-off reaches the kept PDF as a NEW version:
the old version is kept, byte for byte, and the PDF served from then on shows the decision."""

import datetime as dt
from decimal import Decimal

import pytest

from children.school_year import PepTemplate
from documents.models import KeptPdf
from documents.services import pep_pdf_for, pep_pdf_new_version
from pep_portal.outbox.models import OutboxTask
from pupil_premium.models import PpAllocation, PpRequest, PpStatus
from pupil_premium.services import pp_request_decide
from tests.documents.conftest import sign_off
from tests.documents.reading import read_pdf


@pytest.fixture
def signed_off_with_request(personas, peps_by_template):  # type: ignore[no-untyped-def]
    pep = peps_by_template[PepTemplate.YG]
    PpAllocation.objects.create(
        authority=personas.authority, financial_year=2026, amount_per_child="2570"
    )
    request = PpRequest.objects.create(
        pep=pep,
        child=pep.child,
        financial_year=2026,
        amount=Decimal("450"),
        purpose="A reading tutor",
        requested_by=personas.designated_teacher,
        requested_at=dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC),
    )
    return sign_off(personas, pep), request


def test_a_decision_after_sign_off_makes_a_new_version_and_keeps_the_old(
    personas, signed_off_with_request
):
    pep, request = signed_off_with_request
    before = pep_pdf_for(pep).content
    assert "No Pupil Premium Plus decision recorded yet" in read_pdf(before).text

    pp_request_decide(
        actor=personas.virtual_school_staff,
        request=request,
        decision=PpStatus.PART_APPROVED,
        amount="300",
        reason="Tutor for one term",
    )
    # The decision queued the new version through the outbox, with the decision.
    queued = OutboxTask.objects.get(task_name="documents.tasks.pep_pdf_new_version_task")
    assert queued.args == [pep.pk, "Pupil Premium Plus decided", f"pp-request-{request.pk}-decided"]
    pep_pdf_new_version(pep_id=pep.pk, reason="Pupil Premium Plus decided", cause=queued.args[2])

    after = pep_pdf_for(pep).content
    text = read_pdf(after).text
    assert "No Pupil Premium Plus decision recorded yet" not in text
    assert "Part-approved" in text
    assert "Tutor for one term" in text
    versions = list(KeptPdf.objects.filter(pep=pep).order_by("version"))
    assert [(v.version, v.reason) for v in versions] == [
        (1, "Signed off"),
        (2, "Pupil Premium Plus decided"),
    ]
    assert versions[0].file.name == f"pdf/pep-{pep.pk}-signed-off.pdf"
    assert versions[1].file.name == f"pdf/pep-{pep.pk}-signed-off-v2.pdf"
    with versions[0].file.open("rb") as old:
        assert old.read() == before  # the old version is kept as it was


def test_the_same_work_delivered_twice_makes_one_new_version(personas, signed_off_with_request):
    pep, request = signed_off_with_request
    pep_pdf_for(pep)
    pp_request_decide(actor=personas.virtual_school_staff, request=request, decision="approved")
    for _ in range(2):
        pep_pdf_new_version(pep_id=pep.pk, reason="Pupil Premium Plus decided", cause="pp-1")
    assert list(KeptPdf.objects.filter(pep=pep).values_list("version", flat=True)) == [1, 2]


def test_a_decision_before_sign_off_queues_no_new_version(personas, peps_by_template):
    pep = peps_by_template[PepTemplate.YG]
    PpAllocation.objects.create(
        authority=personas.authority, financial_year=2026, amount_per_child="2570"
    )
    request = PpRequest.objects.create(
        pep=pep,
        child=pep.child,
        financial_year=2026,
        amount=Decimal("100"),
        purpose="Books",
        requested_by=personas.designated_teacher,
    )
    pp_request_decide(actor=personas.virtual_school_staff, request=request, decision="approved")
    assert not OutboxTask.objects.filter(
        task_name="documents.tasks.pep_pdf_new_version_task"
    ).exists()
    assert pep_pdf_new_version(pep_id=pep.pk, reason="x") is None
