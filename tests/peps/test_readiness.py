""" "Ready for meeting" follows the authority's rule set: which contributions must be complete
before the meeting is data (Walsall: the designated teacher's sections, the care information
and the child's views; Medway: the designated teacher's sections and the care information)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import PepStatus
from peps.services import pep_mark_ready
from tests.peps.fixtures import complete, teacher_sections_done

TEACHER_TITLES = [
    "Learning historical record",
    "Current levels and attainment",
    "Attendance and exclusions",
    "Additional educational needs",
    "Teacher comments",
    "Pupil Premium Plus request",
]


def refusal(personas, pep) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        pep_mark_ready(actor=personas.designated_teacher, pep=pep)
    return refused.value.messages


def test_medway_wants_the_teachers_sections_and_the_care_information(personas, pep_setting):
    pep = pep_setting.pep
    assert refusal(personas, pep) == [
        *(f"Complete “{title}” before the meeting" for title in TEACHER_TITLES),
        "Complete “Care information” before the meeting",
    ]
    teacher_sections_done(personas, pep_setting)
    # The child's views are taken at the meeting in Medway: not needed before it.
    assert refusal(personas, pep) == ["Complete “Care information” before the meeting"]
    complete(personas.social_worker, pep_setting.section("care_information"))
    assert pep_mark_ready(actor=personas.designated_teacher, pep=pep).status == (
        PepStatus.READY_FOR_MEETING
    )


def test_walsall_also_wants_the_childs_views(personas, pep_setting):
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    pep = pep_setting.pep
    teacher_sections_done(personas, pep_setting)
    assert refusal(personas, pep) == [
        "Complete “Care information” before the meeting",
        "Complete “The child or young person's views” before the meeting",
    ]
    complete(personas.social_worker, pep_setting.section("care_information"))
    assert refusal(personas, pep) == [
        "Complete “The child or young person's views” before the meeting"
    ]
    complete(personas.designated_teacher, pep_setting.section("child_voice"))
    assert pep_mark_ready(actor=personas.designated_teacher, pep=pep).status == (
        PepStatus.READY_FOR_MEETING
    )


def test_the_rule_is_data_an_authority_may_change(personas, pep_setting):
    # An authority that wants only the school's sections sets its rule set so: no code.
    PepRuleSet.objects.filter(authority=personas.authority).update(
        ready_needs_care_information=False
    )
    teacher_sections_done(personas, pep_setting)
    assert pep_mark_ready(actor=personas.designated_teacher, pep=pep_setting.pep).status == (
        PepStatus.READY_FOR_MEETING
    )


def test_without_a_rule_set_the_teachers_sections_suffice(personas, pep_setting):
    PepRuleSet.objects.filter(authority=personas.authority).delete()
    teacher_sections_done(personas, pep_setting)
    assert pep_mark_ready(actor=personas.designated_teacher, pep=pep_setting.pep).status == (
        PepStatus.READY_FOR_MEETING
    )


def test_the_rules_page_says_what_is_needed_before_the_meeting(client, personas):
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("calendar_rules")).content.decode()
    assert "Ready for meeting" in page
    assert (
        "The designated teacher&#x27;s sections; The social worker&#x27;s care information; "
        "The child or young person&#x27;s views"
    ) in page
