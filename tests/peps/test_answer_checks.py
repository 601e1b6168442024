"""Section answers are checked in one place, peps/sections.py: the services refuse what the form
refuses, in the same words. Each message is written out here by hand."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from peps.models import PepSection, SectionStatus
from peps.services import section_mark_complete, section_save
from tests.peps.fixtures import full_answers

# (section, field, what is sent to the service, what is typed on the page, the message)
WRONG = [
    (
        "pupil_premium",
        "pp_amount",
        20000,
        {"pp_requested": "yes", "pp_amount": "20000"},
        "“Amount requested (£)” must be between 1 and 10,000",
    ),
    (
        "pupil_premium",
        "pp_amount",
        "lots",
        {"pp_requested": "yes", "pp_amount": "lots"},
        "“Amount requested (£)” must be a number, like 12 or 12.5",
    ),
    (
        "pupil_premium",
        "pp_amount",
        "91.125",
        {"pp_requested": "yes", "pp_amount": "91.125"},
        "“Amount requested (£)” must have no more than 2 decimal places",
    ),
    (
        "pupil_premium",
        "pp_amount",
        0,
        {"pp_requested": "yes", "pp_amount": "0"},
        "“Amount requested (£)” must be between 1 and 10,000",
    ),
    (
        "additional_needs",
        "sen_status",
        "maybe",
        {"sen_status": "maybe"},
        "Select one of the answers given for “Special educational needs”",
    ),
    (
        "attendance",
        "part_time_timetable",
        "perhaps",
        {"part_time_timetable": "perhaps"},
        "Select one of the answers given for “Is the child on a part-time timetable?”",
    ),
    (
        "additional_needs",
        "ehcp_review_date",
        "2027-02-31",
        {"ehcp_review_date_0": "31", "ehcp_review_date_1": "2", "ehcp_review_date_2": "2027"},
        "“Date of the next EHCP annual review” must be a real date, for example 27 3 2026",
    ),
    (
        "pupil_premium",
        "pp_target",
        "x" * 201,
        {"pp_requested": "yes", "pp_target": "x" * 201},
        "“The target it serves” must be 200 characters or fewer",
    ),
    (
        "current_attainment",
        "progress_summary",
        "x" * 5001,
        {"progress_summary": "x" * 5001},
        "“Progress since the last PEP” must be 5,000 characters or fewer",
    ),
    (
        "attendance",
        "attendance_notes",
        "x" * 5001,
        {"attendance_notes": "x" * 5001},
        "“What is being done about attendance or exclusions” must be 5,000 characters or fewer",
    ),
]
IDS = [f"{case[1]}={str(case[2])[:12]}" for case in WRONG]


@pytest.mark.parametrize(("key", "field", "sent", "typed", "message"), WRONG, ids=IDS)
def test_the_service_refuses_a_wrong_answer_with_the_forms_words(
    client, personas, pep_setting, key, field, sent, typed, message
):
    section = pep_setting.section(key)
    with pytest.raises(ValidationError) as refused:
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={field: sent},
            base_version=section.version,
        )
    assert refused.value.message_dict == {field: [message]}
    assert PepSection.objects.get(pk=section.pk).answers == {}  # nothing saved

    client.force_login(personas.designated_teacher)
    page = client.post(
        reverse("section_edit", args=[pep_setting.pep.pk, key]), {"version": 1, **typed}
    ).content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert PepSection.objects.get(pk=section.pk).version == 1


def test_a_wrongly_typed_text_answer_is_refused():
    from peps.sections import SECTIONS_BY_KEY, check_answer

    spec = next(f for f in SECTIONS_BY_KEY["teacher_comments"].fields if f.name == "comments")
    assert check_answer(spec, ["a", "list"]) == (
        ["a", "list"],
        "“Designated teacher's comments” must be text",
    )


def test_an_amount_out_of_range_can_no_longer_be_saved_and_then_completed(personas, pep_setting):
    section = pep_setting.section("pupil_premium")
    answers = {
        **full_answers("pupil_premium", pep_setting.pep.template),
        "pp_requested": "yes",
        "pp_amount": 20000,
        "pp_purpose": "Tutoring",
        "pp_target": "Reading age",
    }
    with pytest.raises(ValidationError):
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers=answers,
            base_version=section.version,
        )
    # An answer stored before answers were checked is refused at completion too.
    PepSection.objects.filter(pk=section.pk).update(answers={**answers, "pp_requested": "maybe"})
    section.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        section_mark_complete(actor=personas.designated_teacher, section=section)
    assert refused.value.messages == [
        "Select one of the answers given for “Are you requesting Pupil Premium Plus this term?”",
        "“Amount requested (£)” must be between 1 and 10,000",
    ]
    assert PepSection.objects.get(pk=section.pk).status != SectionStatus.COMPLETE


def test_numbers_and_dates_are_stored_as_numbers_and_iso_dates(personas, pep_setting):
    section = pep_setting.section("additional_needs")
    saved = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"sen_status": "ehcp", "ehcp_review_date": " 2027-01-05 "},
        base_version=section.version,
    )
    assert saved.answers["ehcp_review_date"] == "2027-01-05"
    section = pep_setting.section("pupil_premium")
    saved = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"pp_requested": "no", "pp_amount": " 91.5 ", "pp_target": ""},
        base_version=section.version,
    )
    assert (saved.answers["pp_amount"], saved.answers["pp_target"]) == (91.5, "")


@pytest.mark.parametrize("typed", ["95", "recorded", {"possible": 100}])
def test_a_question_answered_by_records_cannot_be_typed(personas, pep_setting, typed):
    section = pep_setting.section("attendance")
    with pytest.raises(ValidationError) as refused:
        section_save(
            actor=personas.designated_teacher,
            section=section,
            answers={"attendance": typed},
            base_version=section.version,
        )
    assert refused.value.message_dict == {
        "attendance": [
            "“Attendance this term, in sessions” is recorded in its own records, not typed as "
            "an answer"
        ]
    }
    assert PepSection.objects.get(pk=section.pk).answers == {}


def test_a_conditional_question_is_checked_and_required_only_when_it_applies(personas, pep_setting):
    section = pep_setting.section("pupil_premium")
    section = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"pp_requested": "yes", "pp_purpose": "Tutoring", "pp_target": "Reading"},
        base_version=section.version,
    )
    with pytest.raises(ValidationError) as refused:
        section_mark_complete(actor=personas.designated_teacher, section=section)
    assert refused.value.messages == ["Answer “Amount requested (£)”"]
    section = section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"pp_requested": "no"},
        base_version=section.version,
    )
    assert section_mark_complete(actor=personas.designated_teacher, section=section)
