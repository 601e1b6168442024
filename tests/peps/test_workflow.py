"""Every workflow transition, allowed and refused, by role and by state."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peps.models import PepEvent, PepSnapshot, PepStatus, SectionStatus
from peps.services import (
    pep_mark_ready,
    pep_record_meeting_held,
    pep_return,
    pep_sign_off,
    pep_submit,
    section_save,
    section_save_draft,
)
from tests.peps.fixtures import complete, everything_done, teacher_sections_done

HELD = dt.date(2026, 11, 10)


def test_new_pep_is_a_draft_with_its_due_date_from_the_rules(pep_setting):
    pep = pep_setting.pep
    assert pep.status == PepStatus.DRAFT
    assert pep.due_on == dt.date(2026, 12, 31)
    assert "Autumn review" in pep.due_basis
    assert pep.template == "yg"


def test_ready_for_meeting_is_refused_until_the_teachers_sections_are_complete(
    personas, pep_setting
):
    with pytest.raises(ValidationError, match="Learning historical record"):
        pep_mark_ready(actor=personas.social_worker, pep=pep_setting.pep)
    teacher_sections_done(personas, pep_setting)
    # Medway also wants the care information before the meeting (tests/peps/test_readiness.py).
    complete(personas.social_worker, pep_setting.section("care_information"))
    pep = pep_mark_ready(actor=personas.designated_teacher, pep=pep_setting.pep)
    assert pep.status == PepStatus.READY_FOR_MEETING


@pytest.mark.parametrize(
    "who",
    [
        "carer",
        "independent_reviewing_officer",
        "virtual_school_staff",
        "unrelated_social_worker",
        "other_school_teacher",
    ],
)
def test_only_the_social_worker_and_school_mark_ready(personas, pep_setting, who):
    teacher_sections_done(personas, pep_setting)
    with pytest.raises(PermissionDenied):
        pep_mark_ready(actor=getattr(personas, who), pep=pep_setting.pep)


def test_meeting_held_starts_the_three_working_day_clock(personas, pep_setting):
    teacher_sections_done(personas, pep_setting)
    pep = pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    assert pep.status == PepStatus.MEETING_HELD
    assert pep.submission_due_on == dt.date(2026, 11, 13)  # Tue 10 → Fri 13 November


def test_submit_is_refused_before_the_meeting_and_when_sections_are_incomplete(
    personas, pep_setting
):
    with pytest.raises(ValidationError, match="Record the PEP meeting"):
        pep_submit(actor=personas.social_worker, pep=pep_setting.pep)
    teacher_sections_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    with pytest.raises(ValidationError, match="Care information"):
        pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def test_only_the_childs_social_worker_submits(personas, pep_setting):
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    for who in ("designated_teacher", "unrelated_social_worker", "virtual_school_staff"):
        with pytest.raises(PermissionDenied):
            pep_submit(actor=getattr(personas, who), pep=pep_setting.pep)
    assert pep_submit(actor=personas.social_worker, pep=pep_setting.pep).status == (
        PepStatus.SUBMITTED
    )


@pytest.fixture
def submitted(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def test_a_submitted_pep_cannot_be_edited_until_returned(personas, pep_setting, submitted):
    section = pep_setting.section("teacher_comments")
    with pytest.raises(ValidationError, match="quality assurance"):
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={},
            base_version=section.version,
        )


def test_return_needs_a_reason_and_reopens_editing_then_resubmit(personas, pep_setting, submitted):
    with pytest.raises(ValidationError, match="what needs to change"):
        pep_return(actor=personas.virtual_school_staff, pep=submitted, reason="  ")
    pep = pep_return(
        actor=personas.virtual_school_staff, pep=submitted, reason="Targets are not SMART"
    )
    assert pep.status == PepStatus.RETURNED
    assert PepEvent.objects.get(pep=pep, to_status=PepStatus.RETURNED).reason == (
        "Targets are not SMART"
    )
    section = pep_setting.section("teacher_comments")
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={**section.answers, "comments": "Targets rewritten"},
        base_version=section.version,
    )
    assert pep_submit(actor=personas.social_worker, pep=pep).status == PepStatus.SUBMITTED


@pytest.mark.parametrize(
    "who", ["social_worker", "designated_teacher", "other_authority_virtual_school_staff"]
)
def test_only_the_childs_virtual_school_returns_or_signs_off(personas, submitted, who):
    with pytest.raises(PermissionDenied):
        pep_sign_off(actor=getattr(personas, who), pep=submitted)
    with pytest.raises(PermissionDenied):
        pep_return(actor=getattr(personas, who), pep=submitted, reason="x")


def test_sign_off_locks_every_section(personas, pep_setting, submitted):
    pep = pep_sign_off(actor=personas.virtual_school_staff, pep=submitted)
    assert pep.status == PepStatus.SIGNED_OFF and pep.signed_off_snapshot
    for section in pep.sections.all():
        with pytest.raises(ValidationError, match="signed off"):
            section_save_draft(
                actor=personas.designated_teacher,
                section=section,
                answers={},
                base_version=section.version,
            )
    with pytest.raises(ValidationError, match="Only a PEP submitted"):
        pep_return(actor=personas.virtual_school_staff, pep=pep, reason="again")


def test_signed_off_snapshot_stays_as_signed_off(personas, pep_setting, submitted):
    pep = pep_sign_off(actor=personas.virtual_school_staff, pep=submitted)
    frozen = dict(pep.signed_off_snapshot)
    child = pep_setting.child
    child.preferred_name = "Zed"
    child.save()
    pep.refresh_from_db()
    assert pep.signed_off_snapshot == frozen
    assert pep.signed_off_snapshot["child"]["display_name"] == "Zara Quill"
    # Kept in its own table, beside the PEP, not among its columns.
    kept = PepSnapshot.objects.get(pep=pep).content
    assert kept["child"]["display_name"] == "Zara Quill"


def test_every_transition_is_recorded_with_who_and_when(personas, pep_setting, submitted):
    moves = list(PepEvent.objects.filter(pep=submitted).values_list("to_status", "actor"))
    assert moves[0] == (PepStatus.DRAFT, personas.virtual_school_staff.pk)
    assert (PepStatus.SUBMITTED, personas.social_worker.pk) in moves
    assert all(
        s.status == SectionStatus.COMPLETE
        for s in submitted.sections.all()
        if s.key in ("care_information", "child_voice")
    )
