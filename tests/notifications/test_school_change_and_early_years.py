"""The rule set's school-change and early-years rules are applied, through the deadline engine,
on Northam's published term dates (tests/fixtures/calendars). Dates counted by hand."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from children.models import Child
from children.services import school_move
from pep_portal.calendars.choices import DayUnit
from pep_portal.calendars.models import PepRuleSet
from pep_portal.notifications.models import Kind, Notification, Stage
from pep_portal.notifications.services import sweep_deadlines, termly_set_up
from peps.models import Pep, Term
from peps.services import pep_record_meeting_held, pep_set_up
from tests.calendars.conftest import load_file

D = dt.date


@pytest.fixture
def northam_dates(personas, pep_setting):  # type: ignore[no-untyped-def]
    load_file("northam-term-dates.csv", authority=personas.authority)
    return pep_setting


def school_changes(**filters: object) -> set[tuple[str, str, dt.date]]:
    return set(
        Notification.objects.filter(kind=Kind.SCHOOL_CHANGE_PEP_DUE, **filters).values_list(
            "stage", "recipient__full_name", "due_on"
        )
    )


def test_a_change_of_school_asks_for_a_pep_review_within_the_rule_sets_school_days(
    personas, setting, northam_dates
):
    PepRuleSet.objects.filter(authority=personas.authority).update(
        school_change_pep_days=10, school_change_pep_unit=DayUnit.SCHOOL
    )
    # Moved Mon 19 Oct 2026 (day 0): 20-23 Oct (4), half-term 26-30 Oct, 2-6 Nov (9),
    # Mon 9 Nov (10). Reminded 3 days before (6 Nov), escalated 5 days after (14 Nov).
    school_move(
        actor=personas.virtual_school_staff,
        child=setting.child,
        school=setting.new_school,
        started_on=D(2026, 10, 19),
    )
    sweep_deadlines(today=D(2026, 11, 5))
    assert school_changes() == set()
    sweep_deadlines(today=D(2026, 11, 6))
    assert school_changes() == {(Stage.REMINDER, "Alice Social", D(2026, 11, 9))}
    sweep_deadlines(today=D(2026, 11, 14))
    assert school_changes(stage=Stage.ESCALATED) == {
        (Stage.ESCALATED, "Alice Social", D(2026, 11, 9)),
        (Stage.ESCALATED, "Vic School", D(2026, 11, 9)),
    }


def test_a_pep_meeting_after_the_move_ends_the_reminders(personas, setting, northam_dates):
    PepRuleSet.objects.filter(authority=personas.authority).update(
        school_change_pep_days=10, school_change_pep_unit=DayUnit.SCHOOL
    )
    school_move(
        actor=personas.virtual_school_staff,
        child=setting.child,
        school=setting.new_school,
        started_on=D(2026, 10, 19),
    )
    pep_record_meeting_held(
        actor=personas.social_worker, pep=northam_dates.pep, held_on=D(2026, 11, 4)
    )
    sweep_deadlines(today=D(2026, 11, 14))
    assert school_changes() == set()


def test_without_a_school_change_rule_a_move_asks_for_nothing(personas, setting, northam_dates):
    school_move(
        actor=personas.virtual_school_staff,
        child=setting.child,
        school=setting.new_school,
        started_on=D(2026, 10, 19),
    )
    sweep_deadlines(today=D(2026, 11, 14))
    assert school_changes() == set()


def young_child(setting) -> Child:  # type: ignore[no-untyped-def]
    """The shared child, as if born on 15 October 2023: 3 on 15 October 2026, so not of
    nursery age until September 2027 by school year."""
    Child.objects.filter(pk=setting.child.pk).update(date_of_birth=D(2023, 10, 15))
    Pep.objects.filter(child=setting.child).delete()
    return Child.objects.get(pk=setting.child.pk)


def test_the_early_years_rule_sets_up_the_first_pep_in_the_term_after_the_third_birthday(
    personas, setting, northam_dates
):
    PepRuleSet.objects.filter(authority=personas.authority).update(
        early_years_first_pep_days=20, early_years_first_pep_unit=DayUnit.SCHOOL
    )
    child = young_child(setting)
    # Spring opens 1 January 2027; Northam's spring term starts Mon 4 January (day 0):
    # 5-8 Jan (4), 11-15 (9), 18-22 (14), 25-29 (19), Mon 1 February 2027 (20).
    assert termly_set_up(today=D(2026, 12, 18)) == {f"{personas.authority.slug} spring 2026": 1}
    pep = Pep.objects.get(child=child)
    assert (pep.term, pep.academic_year, pep.template) == (Term.SPRING, 2026, "eyfs")
    assert pep.due_on == D(2027, 2, 1)
    assert pep.due_basis == (
        "Northam Council: first early-years PEP 20 school days after the start of the Spring "
        "term following the child's 3rd birthday (15 October 2026)"
    )
    # The next term's PEP is an ordinary termly one, due at the end of the summer term.
    assert termly_set_up(today=D(2027, 3, 18)) == {f"{personas.authority.slug} summer 2026": 1}
    assert Pep.objects.get(child=child, term=Term.SUMMER).due_on == D(2027, 7, 31)


def test_before_the_term_after_the_third_birthday_there_is_no_pep(personas, setting, northam_dates):
    PepRuleSet.objects.filter(authority=personas.authority).update(
        early_years_first_pep_days=20, early_years_first_pep_unit=DayUnit.SCHOOL
    )
    child = young_child(setting)
    with pytest.raises(ValidationError, match="too young"):
        pep_set_up(
            actor=personas.virtual_school_staff, child=child, academic_year=2026, term="autumn"
        )


def test_without_the_early_years_rule_a_child_waits_for_the_roll_s_youngest_age(
    personas, setting, northam_dates
):
    # Born 15 October 2023: 3 when Spring opens (1 January 2027), still 3 when Summer opens.
    young_child(setting)
    PepRuleSet.objects.filter(authority=personas.authority).update(youngest_age=4)
    assert termly_set_up(today=D(2026, 12, 18)) == {}
    PepRuleSet.objects.filter(authority=personas.authority).update(youngest_age=3)
    # Spring is still open on 18 March, so its PEP is set up with Summer's.
    assert termly_set_up(today=D(2027, 3, 18)) == {
        f"{personas.authority.slug} spring 2026": 1,
        f"{personas.authority.slug} summer 2026": 1,
    }
    assert set(Pep.objects.filter(child=setting.child).values_list("template", flat=True)) == {
        "eyfs"
    }
