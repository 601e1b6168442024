"""The PEP's attainment and attendance sections are answered by the structured records: the
attainment on the scale of the child's key stage, attendance in sessions (the percentage worked
out, never typed), suspensions as dated events. Completeness comes from the section definitions
with the records' state; last term's attainment is carried forward and a school's imported
attendance filled in, both for the designated teacher to confirm; the answers typed before the
records are kept, read-only, as "previously recorded". Every expected word and figure here is
written out by hand."""

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from children.services import school_move
from documents import pdf
from documents.services import _extra_for
from outcomes import services as outcomes
from outcomes.models import AttainmentRecord, TermAttendance
from peps.models import Pep, PepSection, PepSnapshot, PepStatus, SectionStatus, Term
from peps.services import pep_set_up, section_mark_complete, section_save
from tests.documents.reading import read_pdf
from tests.outcomes.test_mis_import import ATTENDANCE_HEADER, csv_of, upn, with_upn
from tests.peps.fixtures import drop_initial_peps, full_answers, register

RECORDED_IN_TABLES = "Recorded: in “Attendance, exclusions and attainment” below"


def section_url(pep: Pep, key: str) -> str:
    return reverse("section_edit", args=[pep.pk, key])


def save_typed(user: Any, pep: Pep, key: str, **answers: Any) -> PepSection:
    section = pep.sections.get(key=key)
    return section_save(
        actor=user,
        section=section,
        answers={**full_answers(key, pep.template), **answers},
        base_version=section.version,
    )


def refusal(user: Any, section: PepSection) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        section_mark_complete(actor=user, section=section)
    return refused.value.messages


# (born, key stage label, a value typed on the key stage's attainment form, as it then reads)
KEY_STAGES = {
    "eyfs": (
        dt.date(2022, 3, 1),  # Reception in 2026/27
        "Early years foundation stage",
        {"elg_speaking__level": "expected"},
        "Speaking: early learning goal: Expected",
    ),
    "ks1": (
        dt.date(2019, 11, 20),  # Year 2
        "Key stage 1",
        {"phonics__mark": "35", "phonics__result": "met"},
        "Phonics screening check: result: Met the expected standard",
    ),
    "ks2": (
        dt.date(2016, 10, 10),  # Year 5
        "Key stage 2",
        {"reading__working_at": "gds"},
        "Reading: working at: Working at greater depth",
    ),
    "ks3": (
        dt.date(2015, 5, 5),  # Year 7
        "Key stage 3",
        {"maths__band": "below", "maths__school_grade": "Emerging 4"},
        "Maths: against age-related expectations: Below age-related expectations",
    ),
    "ks4": (
        dt.date(2011, 2, 2),  # Year 11
        "Key stage 4",
        {"maths__working_at": "5", "maths__target": "6"},
        "Maths: target grade: 6",
    ),
    "post16": (
        dt.date(2010, 1, 15),  # Year 12
        "Post-16",
        {"course_1__course": "A level biology", "course_1__level": "3_plus"},
        "Course 1: level: Level 3 or above",
    ),
}


@pytest.mark.parametrize("stage", list(KEY_STAGES))
def test_each_key_stage_records_its_attainment_from_the_section(
    client: Any, personas: Any, pep_setting: Any, stage: str
) -> None:
    born, label, typed, reads = KEY_STAGES[stage]
    teacher = personas.designated_teacher
    child = register(personas, school=teacher.school, name="Kit")
    child.date_of_birth = born
    child.save()
    drop_initial_peps(child)  # a termly PEP is refused beside the initial PEP of its term
    pep = pep_set_up(
        actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
    )
    section = save_typed(teacher, pep, "current_attainment")
    assert refusal(teacher, section) == ["Record “Attainment this term”"]

    client.force_login(teacher)
    page = client.get(section_url(pep, "current_attainment")).content.decode()
    assert f"{label}." in page and "No attainment recorded for this term yet." in page
    # No free-text attainment is asked any more.
    assert 'name="english_current"' not in page and "Expressive arts and design" not in page
    form_url = reverse("outcomes_attainment", args=[child.pk, 2026, "autumn"])
    assert f'href="{form_url}?next=/peps/{pep.pk}/sections/current_attainment/"' in page

    response = client.post(f"{form_url}?next={section_url(pep, 'current_attainment')}", typed)
    assert response.status_code == 302
    assert response["Location"] == section_url(pep, "current_attainment")
    page = client.get(response["Location"]).content.decode()
    assert reads in page
    assert section_mark_complete(actor=teacher, section=section).status == SectionStatus.COMPLETE
    html = client.get(reverse("pep_detail", args=[pep.pk])).content.decode()
    assert "Attainment this term" in html and "Recorded" in html


def test_attendance_is_recorded_in_sessions_and_the_percentage_worked_out(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    teacher, pep = personas.designated_teacher, pep_setting.pep
    section = save_typed(teacher, pep, "attendance")
    assert refusal(teacher, section) == ["Record “Attendance this term, in sessions”"]
    client.force_login(teacher)
    page = client.get(section_url(pep, "attendance")).content.decode()
    assert 'name="attendance_percent"' not in page and 'name="suspension_days"' not in page
    assert "No attendance recorded for this term yet." in page
    url = reverse("outcomes_attendance", args=[pep.child.pk, 2026, "autumn"])
    response = client.post(
        f"{url}?next={section_url(pep, 'attendance')}",
        {"possible": "160", "present": "150", "authorised": "6", "unauthorised": "4"},
    )
    assert response["Location"] == section_url(pep, "attendance")
    page = client.get(section_url(pep, "attendance")).content.decode()
    # 150 of 160 sessions, by hand: 93.75 %, under the 90 % line? No: no flag.
    assert "93.75%" in page and "Persistent absence" not in page
    assert section_mark_complete(actor=teacher, section=section).status == SectionStatus.COMPLETE


def test_a_suspension_is_a_dated_event_and_a_no_may_not_contradict_one(
    personas: Any, pep_setting: Any
) -> None:
    teacher, pep = personas.designated_teacher, pep_setting.pep
    outcomes.attendance_save(
        actor=teacher,
        child=pep.child,
        academic_year=2026,
        term="autumn",
        possible=100,
        present=90,
        authorised=6,
        unauthorised=4,
    )
    section = save_typed(teacher, pep, "attendance", suspended_or_excluded="yes")
    assert refusal(teacher, section) == ["Record “Suspensions and exclusions this term”"]
    outcomes.exclusion_record(
        actor=teacher,
        child=pep.child,
        kind="suspension",
        started_on=dt.date(2026, 10, 5),
        sessions_lost=4,
        reason="PD",
    )
    section = save_typed(teacher, pep, "attendance", suspended_or_excluded="no")
    assert refusal(teacher, section) == [
        "“Has the child been suspended or excluded this term?” is answered No, but "
        "suspensions and exclusions this term are recorded: change the answer or the records"
    ]
    section = save_typed(teacher, pep, "attendance", suspended_or_excluded="yes")
    assert section_mark_complete(actor=teacher, section=section).status == SectionStatus.COMPLETE


def test_a_part_time_timetable_is_recorded_after_a_yes_and_a_no_may_not_contradict_one(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    teacher, pep = personas.designated_teacher, pep_setting.pep
    outcomes.attendance_save(
        actor=teacher,
        child=pep.child,
        academic_year=2026,
        term="autumn",
        possible=100,
        present=90,
        authorised=6,
        unauthorised=4,
    )
    # "Yes" with no timetable recorded: refused, the problem linked to the records' heading,
    # where the page links to the form that records one (and back again).
    section = save_typed(teacher, pep, "attendance", part_time_timetable="yes")
    assert refusal(teacher, section) == ["Record “Part-time timetables this term”"]
    client.force_login(teacher)
    here = section_url(pep, "attendance")
    page = client.get(f"{here}?complete=refused").content.decode()
    assert '<a href="#records-part-time">Record “Part-time timetables this term”</a>' in page
    assert 'id="records-part-time"' in page
    add = reverse("outcomes_part_time_add", args=[pep.child.pk])
    assert f'href="{add}?next={here}"' in page
    response = client.post(
        f"{add}?next={here}",
        {
            "started_on_0": "14",
            "started_on_1": "9",
            "started_on_2": "2026",
            "review_on_0": "12",
            "review_on_1": "10",
            "review_on_2": "2026",
            "hours_per_week": "15",
            "reason": "Building back up after a long absence",
        },
    )
    assert response.status_code == 302 and response["Location"] == here
    page = client.get(here).content.decode()
    assert "From 14 Sep 2026, review by 12 Oct 2026 (15.0 hours a week)" in page
    assert section_mark_complete(actor=teacher, section=section).status == SectionStatus.COMPLETE

    # "No" while one runs this term: refused until the answer or the records change.
    section = save_typed(teacher, pep, "attendance", part_time_timetable="no")
    assert refusal(teacher, section) == [
        "“Is the child on a part-time timetable?” is answered No, but "
        "part-time timetables this term are recorded: change the answer or the records"
    ]


def test_last_terms_attainment_is_carried_forward_to_confirm(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    teacher, autumn = personas.designated_teacher, pep_setting.pep
    outcomes.attainment_save(
        actor=teacher,
        child=autumn.child,
        academic_year=2026,
        term="autumn",
        key_stage="ks3",
        subject="english",
        values={"band": "at", "school_grade": "Secure 6"},
    )
    save_typed(teacher, autumn, "attendance", part_time_timetable="yes")
    spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=autumn.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    # The yes/no about a part-time timetable carries forward as the other answers do.
    assert spring.sections.get(key="attendance").answers["part_time_timetable"] == "yes"
    section = save_typed(teacher, spring, "current_attainment")
    assert refusal(teacher, section) == [
        "Confirm or change “Attainment this term”, carried forward from last term or imported "
        "from the school's data file"
    ]
    client.force_login(teacher)
    page = client.get(section_url(spring, "current_attainment")).content.decode()
    assert "Attainment, Spring 2026/27" in page and "English: the school&#x27;s own grade" in page
    assert "Confirm 1 value as recorded" in page
    html = client.get(reverse("pep_detail", args=[spring.pk])).content.decode()
    assert "Attainment this term (to confirm or change)" in html
    response = client.post(
        reverse("outcomes_attainment_confirm", args=[autumn.child.pk, 2026, "spring"]),
        {"next": section_url(spring, "current_attainment")},
    )
    assert response["Location"] == section_url(spring, "current_attainment")
    assert AttainmentRecord.objects.get(term="spring").values == {
        "band": "at",
        "school_grade": "Secure 6",
    }
    assert section_mark_complete(actor=teacher, section=section).status == SectionStatus.COMPLETE


def test_imported_attendance_fills_the_section_for_the_teacher_to_confirm(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    teacher, pep = personas.designated_teacher, pep_setting.pep
    with_upn(pep.child, upn(7))
    upload = outcomes.mis_preview(
        actor=personas.virtual_school_staff,
        layout="attendance",
        file_name="autumn.csv",
        content=csv_of(ATTENDANCE_HEADER, f"{upn(7)},2026-09-03,2026-12-18,120,96,20,4"),
    )
    assert outcomes.mis_import(actor=personas.virtual_school_staff, upload=upload) == 1
    section = save_typed(teacher, pep, "attendance")
    assert refusal(teacher, section) == [
        "Confirm or change “Attendance this term, in sessions”, carried forward from last term "
        "or imported from the school's data file"
    ]
    client.force_login(teacher)
    page = client.get(section_url(pep, "attendance")).content.decode()
    # 96 of 120 = 80.00 %: under 90 %, persistent absence.
    assert "Imported from the school's data file: confirm or change" in page
    assert "80.00%" in page and "Persistent absence" in page
    assert "Confirm or change the attendance" in page
    url = reverse("outcomes_attendance", args=[pep.child.pk, 2026, "autumn"])
    form = client.get(url).content.decode()
    assert 'value="96"' in form  # the imported figures, to confirm as they are
    client.post(
        f"{url}?next={section_url(pep, 'attendance')}",
        {"possible": "120", "present": "96", "authorised": "20", "unauthorised": "4"},
    )
    assert TermAttendance.objects.get().confirmed
    assert section_mark_complete(actor=teacher, section=section).status == SectionStatus.COMPLETE


def test_an_import_reopens_the_complete_section_it_fills_for_confirmation(
    personas: Any, pep_setting: Any
) -> None:
    teacher, pep = personas.designated_teacher, pep_setting.pep
    with_upn(pep.child, upn(8))
    outcomes.attendance_save(
        actor=teacher,
        child=pep.child,
        academic_year=2026,
        term="autumn",
        possible=100,
        present=98,
        authorised=2,
        unauthorised=0,
    )
    outcomes.attainment_save(
        actor=teacher,
        child=pep.child,
        academic_year=2026,
        term="autumn",
        key_stage="ks3",
        subject="maths",
        values={"band": "at"},
    )
    for key in ("attendance", "current_attainment"):
        section_mark_complete(actor=teacher, section=save_typed(teacher, pep, key))

    def import_attendance(row: str) -> None:
        upload = outcomes.mis_preview(
            actor=personas.virtual_school_staff,
            layout="attendance",
            file_name="attendance.csv",
            content=csv_of(ATTENDANCE_HEADER, row),
        )
        assert outcomes.mis_import(actor=personas.virtual_school_staff, upload=upload) == 1

    # Last year's summer term: not this PEP's, nothing reopens.
    import_attendance(f"{upn(8)},2026-04-20,2026-07-22,110,100,10,0")
    assert {s.key: s.status for s in pep.sections.filter(key__in=["attendance"])} == {
        "attendance": SectionStatus.COMPLETE
    }
    import_attendance(f"{upn(8)},2026-09-03,2026-12-18,100,97,3,0")
    statuses = dict(
        pep.sections.filter(key__in=["attendance", "current_attainment"]).values_list(
            "key", "status"
        )
    )
    # Only the section the imported attendance answers; attainment was not imported.
    assert statuses == {
        "attendance": SectionStatus.IN_PROGRESS,
        "current_attainment": SectionStatus.COMPLETE,
    }
    assert refusal(teacher, pep.sections.get(key="attendance")) == [
        "Confirm or change “Attendance this term, in sessions”, carried forward from last term "
        "or imported from the school's data file"
    ]


def test_with_nobody_at_a_setting_the_social_worker_is_not_stopped_for_records(
    personas: Any, pep_setting: Any
) -> None:
    pep = pep_setting.pep
    school_move(
        actor=personas.virtual_school_staff,
        child=pep.child,
        school=None,
        started_on=pep.child.enrolments.get().started_on,
    )
    worker = personas.social_worker
    for key in ("attendance", "current_attainment"):
        section = save_typed(worker, pep, key)
        assert section_mark_complete(actor=worker, section=section).status == (
            SectionStatus.COMPLETE
        )


# --- the answers typed before the records ------------------------------------------------------

MIGRATION = importlib.import_module("peps.migrations.0007_move_retired_answers")
OLD_ATTAINMENT = {
    "english_current": "Working towards Year 6 expectations",
    "maths_current": "Secure in Year 5 objectives",
    "other_subjects": "",
    "progress_summary": "Good progress in reading",
}
OLD_ATTENDANCE = {
    "attendance_percent": 87.5,
    "suspension_days": 2,
    "part_time_timetable": "no",
}


def _old_answers(pep: Pep) -> None:
    PepSection.objects.filter(pep=pep, key="current_attainment").update(
        answers=OLD_ATTAINMENT, carried_forward=["maths_current"]
    )
    PepSection.objects.filter(pep=pep, key="attendance").update(answers=OLD_ATTENDANCE)


def test_the_migration_keeps_every_old_answer_and_going_back_restores_them(
    personas: Any, pep_setting: Any
) -> None:
    pep = pep_setting.pep
    _old_answers(pep)
    MIGRATION.forwards(apps, None)
    attainment = pep.sections.get(key="current_attainment")
    assert attainment.answers == {"progress_summary": "Good progress in reading"}
    assert attainment.previously_recorded == {
        "english_current": "Working towards Year 6 expectations",
        "maths_current": "Secure in Year 5 objectives",
    }
    assert attainment.carried_forward == []
    attendance = pep.sections.get(key="attendance")
    assert attendance.answers == {"part_time_timetable": "no"}
    assert attendance.previously_recorded == {"attendance_percent": 87.5, "suspension_days": 2}
    # Run twice, nothing changes; going back puts the non-empty answers back.
    MIGRATION.forwards(apps, None)
    assert pep.sections.get(key="attendance").previously_recorded == {
        "attendance_percent": 87.5,
        "suspension_days": 2,
    }
    MIGRATION.backwards(apps, None)
    assert pep.sections.get(key="attendance").answers == OLD_ATTENDANCE
    assert pep.sections.get(key="current_attainment").answers == {
        k: v for k, v in OLD_ATTAINMENT.items() if v
    }


def test_old_answers_are_shown_read_only_on_the_pages_and_in_the_pdf(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    pep = pep_setting.pep
    _old_answers(pep)
    MIGRATION.forwards(apps, None)
    client.force_login(personas.designated_teacher)
    for url in (reverse("pep_detail", args=[pep.pk]), section_url(pep, "current_attainment")):
        page = client.get(url).content.decode()
        assert "Previously recorded" in page
        assert "English: working at" in page and "Working towards Year 6 expectations" in page
    page = client.get(section_url(pep, "current_attainment")).content.decode()
    assert 'name="english_current"' not in page  # shown, never edited
    page = client.get(reverse("pep_detail", args=[pep.pk])).content.decode()
    assert "Attendance this school year (%)" in page and "87.5" in page

    text = read_pdf(pdf.render_pep_pdf(pep)[1]).text
    assert "Previously recorded" in text
    assert "Maths: working at" in text and "Secure in Year 5 objectives" in text
    assert "Days of suspension this school year" in text


def test_a_pep_signed_off_before_the_records_still_shows_its_old_answers(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    pep = pep_setting.pep
    Pep.objects.filter(pk=pep.pk).update(
        status=PepStatus.SIGNED_OFF, signed_off_by=personas.virtual_school_staff
    )
    PepSnapshot.objects.create(
        pep=pep,
        content={
            "title": pep.title,
            "template": pep.template,
            "child": {"display_name": "Zara", "legal_name": "Zara Quill", "upn": ""},
            "sections": [
                {"key": "current_attainment", "answers": OLD_ATTAINMENT, "status": "complete"},
                {"key": "attendance", "answers": OLD_ATTENDANCE, "status": "complete"},
            ],
        },
    )
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("pep_signed_off", args=[pep.pk])).content.decode()
    assert "Previously recorded" in page
    assert "Secure in Year 5 objectives" in page and "Attendance this school year (%)" in page


def test_the_pdf_prints_the_records_figures_beside_the_sections(
    personas: Any, pep_setting: Any
) -> None:
    teacher, pep = personas.designated_teacher, pep_setting.pep
    outcomes.attendance_save(
        actor=teacher,
        child=pep.child,
        academic_year=2026,
        term="autumn",
        possible=150,
        present=132,
        authorised=10,
        unauthorised=8,
    )
    outcomes.attainment_save(
        actor=teacher,
        child=pep.child,
        academic_year=2026,
        term="autumn",
        key_stage="ks3",
        subject="science",
        values={"band": "above"},
    )
    outcomes.exclusion_record(
        actor=teacher,
        child=pep.child,
        kind="suspension",
        started_on=dt.date(2026, 11, 2),
        sessions_lost=2,
        reason="VA",
    )
    save_typed(teacher, pep, "attendance", suspended_or_excluded="yes")
    html = pdf.render_html(pdf.pep_document(pep, extra=_extra_for(pep)))
    text = read_pdf(pdf.html_to_pdf(html)).text
    assert RECORDED_IN_TABLES in text
    # By hand: 132 / 150 = 88.00 %, under 90 %: persistent absence.
    assert "Autumn 2026/27 150 132 10 8 88.00% (persistent absence)" in text
    # Long cells wrap on paper: read in the HTML the PDF is drawn from.
    tables = html[html.index('<section id="education">') :]
    assert "Science: against age-related expectations: Above age-related expectations" in tables
    assert "Verbal abuse or threatening behaviour against an adult (VA)" in tables
    assert 'data-term="Autumn 2026/27" data-value="88.00"' in tables  # the chart


def test_the_records_pages_lead_back_to_the_section_and_nowhere_else(
    client: Any, personas: Any, pep_setting: Any
) -> None:
    pep, child = pep_setting.pep, pep_setting.child
    client.force_login(personas.designated_teacher)
    url = reverse("outcomes_attendance", args=[child.pk, 2026, "autumn"])
    back = section_url(pep, "attendance")
    page = client.get(f"{url}?next={back}").content.decode()
    assert f'<a href="{back}" class="govuk-back-link">Back to the PEP</a>' in page
    sessions = {"possible": "100", "present": "90", "authorised": "5", "unauthorised": "5"}
    for hostile in ("https://evil.example/peps/1/", "/peps/1/../../admin/", "/peps/x" * 40):
        page = client.get(url, {"next": hostile}).content.decode()
        assert "Back to the PEP" not in page and hostile not in page
        response = client.post(f"{url}?next={hostile}", sessions)
        assert response["Location"] == reverse("child_detail", args=[child.pk])
