"""Calendar rules in pep_portal.accounts.permissions: list and detail use the same filter."""

import datetime as dt

from children.models import Enrolment, School
from pep_portal.accounts.models import LocalAuthority
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from tests.factories import ChildFactory, SchoolFactory


def test_staff_see_calendars_of_their_own_authoritys_schools_only(personas, northam_school):
    southam_staff = personas.other_authority_virtual_school_staff
    assert user_can(personas.virtual_school_staff, Action.VIEW_CALENDAR, northam_school)
    assert not user_can(southam_staff, Action.VIEW_CALENDAR, northam_school)
    assert not user_can(personas.social_worker, Action.VIEW_CALENDAR, northam_school)
    assert not user_can(personas.designated_teacher, Action.VIEW_CALENDAR, northam_school)


def test_a_school_anywhere_with_one_of_our_children_on_roll_is_ours_to_keep_dates_for(
    personas, northam_school
):
    southam = personas.other_authority
    staff = personas.other_authority_virtual_school_staff
    staff.is_vs_administrator = True
    staff.save()
    child = ChildFactory(authority=southam)
    Enrolment.objects.create(child=child, school=northam_school, started_on=dt.date(2025, 9, 3))
    assert user_can(staff, Action.EDIT_CALENDAR, northam_school)
    visible = scope_queryset(staff, Action.VIEW_CALENDAR, School.objects.all())
    assert list(visible) == [northam_school]  # once, though joined through enrolments


def test_only_administrators_edit_and_only_their_own_authority(personas, vs_administrator):
    northam, southam = personas.authority, personas.other_authority
    assert user_can(vs_administrator, Action.EDIT_RULES, northam)
    assert user_can(personas.authority_administrator, Action.EDIT_CALENDAR, northam)
    assert not user_can(vs_administrator, Action.EDIT_RULES, southam)
    assert not user_can(personas.independent_reviewing_officer, Action.VIEW_CALENDAR, northam)
    adviser = personas.other_authority_virtual_school_staff
    assert user_can(adviser, Action.VIEW_CALENDAR, southam)
    assert not user_can(adviser, Action.EDIT_CALENDAR, southam)
    assert list(
        scope_queryset(vs_administrator, Action.VIEW_CALENDAR, LocalAuthority.objects.all())
    ) == [northam]


def test_an_inactive_administrator_can_do_nothing(personas, vs_administrator):
    vs_administrator.is_active = False
    vs_administrator.save()
    assert not user_can(vs_administrator, Action.VIEW_CALENDAR, personas.authority)
    school = SchoolFactory(la_code=personas.authority.la_code)
    assert not user_can(vs_administrator, Action.EDIT_CALENDAR, school)
