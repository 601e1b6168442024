"""Sections: who owns which, completion, carry-forward, optimistic locking and drafts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from children.services import school_move
from peps.models import Term
from peps.services import (
    EditConflict,
    may_edit,
    pep_set_up,
    section_mark_complete,
    section_save,
    section_save_draft,
)
from tests.peps.fixtures import complete

TEACHER_SECTIONS = [
    "learning_history",
    "current_attainment",
    "attendance",
    "additional_needs",
    "teacher_comments",
    "pupil_premium",
]


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("designated_teacher", set(TEACHER_SECTIONS) | {"child_voice"}),
        ("delegated_school_staff", set(TEACHER_SECTIONS) | {"child_voice"}),
        ("social_worker", {"care_information", "child_voice"}),
        ("carer", {"carer_contribution", "child_voice"}),
        ("virtual_school_staff", {"historical_data"}),
        ("independent_reviewing_officer", set()),
        ("unrelated_social_worker", set()),
        ("other_school_teacher", set()),
        ("other_authority_virtual_school_staff", set()),
    ],
)
def test_each_role_edits_only_the_sections_it_owns(personas, pep_setting, who, may):
    user = getattr(personas, who)
    editable = {s.key for s in pep_setting.pep.sections.all() if may_edit(user, s)}
    assert editable == may


def test_a_carer_cannot_write_the_teachers_section(personas, pep_setting):
    section = pep_setting.section("teacher_comments")
    with pytest.raises(PermissionDenied):
        section_save(
            actor=personas.carer,
            section=section,
            answers={"comments": "x"},
            base_version=section.version,
        )


def test_a_teacher_cannot_write_the_care_information(personas, pep_setting):
    section = pep_setting.section("care_information")
    with pytest.raises(PermissionDenied):
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={"placement": "x"},
            base_version=section.version,
        )


def test_without_a_school_place_the_social_worker_writes_the_school_sections(personas, pep_setting):
    school_move(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        school=None,
        started_on=pep_setting.child.enrolments.get().started_on,
    )
    section = pep_setting.section("attendance")
    assert may_edit(personas.social_worker, section)
    assert not may_edit(personas.designated_teacher, section)


def test_mark_complete_lists_every_missing_answer(personas, pep_setting):
    section = pep_setting.section("attendance")
    section = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"attendance_notes": "Daily check-in with the learning mentor"},
        base_version=section.version,
    )
    with pytest.raises(ValidationError) as refused:
        section_mark_complete(actor=personas.designated_teacher, section=section)
    assert refused.value.messages == [
        "Record “Attendance this term, in sessions”",
        "Answer “Has the child been suspended or excluded this term?”",
        "Answer “Is the child on a part-time timetable?”",
    ]


def test_a_conditional_question_is_required_only_when_it_applies(personas, pep_setting):
    section = pep_setting.section("pupil_premium")
    section = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"pp_requested": "yes", "pp_amount": 300},
        base_version=section.version,
    )
    with pytest.raises(ValidationError, match="What it will pay for"):
        section_mark_complete(actor=personas.designated_teacher, section=section)
    section = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"pp_requested": "no"},
        base_version=section.version,
    )
    assert section_mark_complete(actor=personas.designated_teacher, section=section)


def test_progress_counts_questions_answered(personas, pep_setting, client):
    section = pep_setting.section("attendance")
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"suspended_or_excluded": "no", "part_time_timetable": "no"},
        base_version=section.version,
    )
    client.force_login(personas.designated_teacher)
    html = client.get(f"/peps/{pep_setting.pep.pk}/").content.decode()
    # Asked: attendance in sessions (not recorded), suspended?, part-time?, the notes; the
    # suspensions and timetables themselves only after a Yes.
    assert "2 of 4 questions answered" in html


def test_two_saves_from_the_same_version_never_silently_overwrite(personas, pep_setting):
    section = pep_setting.section("teacher_comments")
    opened_at = section.version
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"comments": "First"},
        base_version=opened_at,
    )
    stale = pep_setting.section("teacher_comments")
    with pytest.raises(EditConflict) as clash:
        section_save(
            actor=personas.delegated_school_staff,
            section=stale,
            answers={"comments": "Second"},
            base_version=opened_at,
        )
    assert clash.value.section.answers["comments"] == "First"
    assert pep_setting.section("teacher_comments").answers["comments"] == "First"


def test_every_saved_change_is_kept_in_history(personas, pep_setting):
    section = pep_setting.section("teacher_comments")
    for text in ("One", "Two", "Three"):
        section = section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={"comments": text},
            base_version=section.version,
        )
    saved = [h.answers.get("comments") for h in section.history.order_by("history_date")]
    assert [t for t in saved if t][-3:] == ["One", "Two", "Three"]
    assert section.history.first().history_user == personas.designated_teacher


def test_a_draft_keeps_anything_typed_even_invalid(personas, pep_setting):
    section = pep_setting.section("attendance")
    draft = section_save_draft(
        actor=personas.designated_teacher,
        section=section,
        answers={"attendance_notes": "x" * 6000},
        base_version=section.version,
    )
    assert draft.answers == {"attendance_notes": "x" * 6000}


class TestCarryForward:
    @pytest.fixture
    def next_pep(self, personas, pep_setting):  # type: ignore[no-untyped-def]
        complete(personas.designated_teacher, pep_setting.section("learning_history"))
        complete(personas.social_worker, pep_setting.section("care_information"))
        return pep_set_up(
            actor=personas.virtual_school_staff,
            child=pep_setting.child,
            academic_year=2026,
            term=Term.SPRING,
        )

    def test_next_pep_opens_with_last_terms_answers_marked_as_carried(self, next_pep):
        history = next_pep.sections.get(key="learning_history")
        assert history.answers["strengths"] == "Answer to Strengths and interests"
        assert set(history.carried_forward) == {"education_history", "strengths", "barriers"}
        care = next_pep.sections.get(key="care_information")
        assert "changes" not in care.answers  # asked afresh every term
        assert next_pep.sections.get(key="teacher_comments").answers == {}

    def test_carried_answers_must_be_confirmed_or_changed_before_completion(
        self, personas, next_pep
    ):
        history = next_pep.sections.get(key="learning_history")
        with pytest.raises(ValidationError, match="carried forward"):
            section_mark_complete(actor=personas.designated_teacher, section=history)
        changed = section_save(
            actor=personas.designated_teacher,
            section=history,
            answers={**history.answers, "strengths": "Now loves science"},
            base_version=history.version,
        )
        assert "strengths" not in changed.carried_forward
        assert "barriers" in changed.carried_forward
        confirmed = section_save(
            actor=personas.designated_teacher,
            section=changed,
            answers=changed.answers,
            base_version=changed.version,
            confirm_carried=True,
        )
        assert confirmed.carried_forward == []
        assert section_mark_complete(actor=personas.designated_teacher, section=confirmed)


def test_voice_page_shows_what_the_child_said_last_time(client, personas, pep_setting):
    complete(personas.designated_teacher, pep_setting.section("child_voice"))
    spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    client.force_login(personas.carer)
    html = client.get(f"/peps/{spring.pk}/sections/child_voice/").content.decode()
    assert 'id="last-time"' in html
    assert "Answer to What I want to do or be" in html
