"""The care team follows the facts: allocating staff, moving school and changing placement
grant and revoke access automatically, and the history is kept."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from children.models import Delegation, Enrolment, Placement
from children.selectors import child_list_visible_to, child_record
from children.services import (
    care_episode_end,
    care_team_allocate,
    delegation_grant,
    delegation_revoke,
    placement_change,
    school_move,
)
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.services import teacher_approve
from tests.children.fixtures import ENTERED_CARE, register
from tests.factories import SchoolFactory, UserFactory

MOVE = ENTERED_CARE + dt.timedelta(days=30)


def sees(user, child) -> bool:  # type: ignore[no-untyped-def]
    """By the portal's rule, and by django-guardian's backend: the two must agree."""
    by_rule = user_can(user, Action.VIEW_CHILD, child)
    listed = child_list_visible_to(user=user).filter(pk=child.pk).exists()
    assert by_rule == listed
    return by_rule


def test_registration_gives_the_care_team_access_and_nobody_else(personas, setting):
    child = setting.child
    for member in (
        personas.social_worker,
        personas.designated_teacher,
        personas.carer,
        personas.virtual_school_staff,
        personas.independent_reviewing_officer,
    ):
        assert sees(member, child), member
    for outsider in (
        personas.unrelated_social_worker,
        personas.other_school_teacher,
        personas.delegated_school_staff,
        personas.authority_administrator,
        personas.other_authority_virtual_school_staff,
        personas.other_authority_social_worker,
    ):
        assert not sees(outsider, child), outsider


def test_guardian_backend_agrees_with_the_rule(personas, setting):
    child = setting.child
    assert personas.designated_teacher.has_perm("children.view_child", child)
    assert not personas.other_school_teacher.has_perm("children.view_child", child)


def test_school_move_moves_access_from_old_to_new_school(personas, setting):
    child = setting.child
    school_move(
        actor=personas.virtual_school_staff, child=child, school=setting.new_school, started_on=MOVE
    )
    assert not sees(personas.designated_teacher, child)
    assert sees(setting.new_school_teacher, child)
    old, new = Enrolment.objects.filter(child=child).order_by("started_on")
    assert old.ended_on == MOVE - dt.timedelta(days=1)
    assert new.school == setting.new_school and new.ended_on is None
    assert old.history.count() == 2  # created, then ended: the history is kept


def test_school_move_ends_the_old_schools_delegations(personas, setting):
    child = setting.child
    delegation_grant(
        actor=personas.designated_teacher, child=child, delegate=personas.delegated_school_staff
    )
    assert sees(personas.delegated_school_staff, child)
    school_move(
        actor=personas.virtual_school_staff, child=child, school=setting.new_school, started_on=MOVE
    )
    assert not sees(personas.delegated_school_staff, child)
    assert Delegation.objects.get(child=child).revoked_at is not None


def test_losing_the_school_place_is_recorded_and_shown(personas, setting):
    child = setting.child
    school_move(actor=personas.virtual_school_staff, child=child, school=None, started_on=MOVE)
    assert not child_record(child=child).has_school_place
    listed = child_list_visible_to(user=personas.virtual_school_staff).get(pk=child.pk)
    assert listed.has_school_place is False
    assert not sees(personas.designated_teacher, child)
    assert sees(personas.social_worker, child)


def test_social_worker_change_moves_access(personas, setting):
    child = setting.child
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=child,
        social_worker=personas.unrelated_social_worker,
        virtual_school_adviser=None,
        independent_reviewing_officer=None,
    )
    assert not sees(personas.social_worker, child)
    assert sees(personas.unrelated_social_worker, child)
    assert not sees(personas.independent_reviewing_officer, child)
    assert [h.social_worker_id for h in child.history.order_by("history_date")][-2:] == [
        personas.social_worker.pk,
        personas.unrelated_social_worker.pk,
    ]


def test_placement_change_moves_access_between_carers(personas, setting):
    child = setting.child
    placement_change(
        actor=personas.virtual_school_staff,
        child=child,
        placement_type="residential",
        started_on=MOVE,
        carers=[setting.new_carer],
    )
    assert not sees(personas.carer, child)
    assert sees(setting.new_carer, child)
    assert Placement.objects.filter(child=child, ended_on__isnull=True).count() == 1
    assert Placement.objects.filter(child=child).count() == 2


def test_delegation_grant_and_revoke(personas, setting):
    child = setting.child
    delegation = delegation_grant(
        actor=personas.designated_teacher, child=child, delegate=personas.delegated_school_staff
    )
    assert sees(personas.delegated_school_staff, child)
    delegation_revoke(actor=personas.designated_teacher, delegation=delegation)
    assert not sees(personas.delegated_school_staff, child)


def test_only_the_current_schools_designated_teacher_may_delegate(personas, setting):
    with pytest.raises(PermissionDenied):
        delegation_grant(
            actor=personas.other_school_teacher,
            child=setting.child,
            delegate=personas.delegated_school_staff,
        )
    other_school_colleague = UserFactory.for_role("delegated_school_staff", school=SchoolFactory())
    with pytest.raises(ValidationError):
        delegation_grant(
            actor=personas.designated_teacher, child=setting.child, delegate=other_school_colleague
        )


def test_one_designated_teacher_serves_children_of_several_authorities(personas, setting):
    """One login, once each authority has approved it (children.TeacherApproval)."""
    other_vs = personas.other_authority_virtual_school_staff
    other_vs.is_vs_administrator = True
    other_vs.save()

    other_child = _register_for(other_vs, school=setting.school)
    assert sees(personas.designated_teacher, setting.child)
    assert not sees(personas.designated_teacher, other_child)  # Southam has not approved Dee
    teacher_approve(actor=other_vs, teacher=personas.designated_teacher)
    assert sees(personas.designated_teacher, setting.child)
    assert sees(personas.designated_teacher, other_child)
    assert not sees(personas.virtual_school_staff, other_child)
    assert not sees(other_vs, setting.child)


def _register_for(vs, school):  # type: ignore[no-untyped-def]
    from children.services import child_register

    return child_register(
        actor=vs,
        details={
            "legal_first_name": "Omar",
            "legal_last_name": "Outofarea",
            "date_of_birth": dt.date(2014, 1, 2),
            "gender": "male",
        },
        entered_care_on=ENTERED_CARE,
        emergency_placement=False,
        legal_status="co",
        placement_type="foster",
        school=school,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("closed school", "is closed"),
        ("future move", "today or in the past"),
        ("move before current school began", "on or after"),
        ("same school again", "already at"),
    ],
)
def test_impossible_school_moves_are_refused_with_a_reason(personas, setting, change, message):
    school, day = setting.new_school, MOVE
    if change == "closed school":
        school = SchoolFactory(is_open=False)
    elif change == "future move":
        day = dt.date.today() + dt.timedelta(days=2)
    elif change == "move before current school began":
        day = ENTERED_CARE - dt.timedelta(days=5)
    elif change == "same school again":
        school = setting.school
    with pytest.raises(ValidationError, match=message):
        school_move(
            actor=personas.virtual_school_staff, child=setting.child, school=school, started_on=day
        )
    assert sees(personas.designated_teacher, setting.child)  # nothing changed


def test_allocating_someone_of_the_wrong_role_or_authority_is_refused(personas, setting):
    for wrong in (personas.carer, personas.other_authority_social_worker):
        with pytest.raises(ValidationError, match="social worker"):
            care_team_allocate(
                actor=personas.virtual_school_staff,
                child=setting.child,
                social_worker=wrong,
                virtual_school_adviser=None,
                independent_reviewing_officer=None,
            )


@pytest.mark.parametrize(
    "who",
    [
        "social_worker",
        "independent_reviewing_officer",
        "designated_teacher",
        "carer",
        "other_authority_virtual_school_staff",
    ],
)
def test_only_own_virtual_school_changes_the_care_team(personas, setting, who):
    with pytest.raises(PermissionDenied):
        school_move(
            actor=getattr(personas, who),
            child=setting.child,
            school=setting.new_school,
            started_on=MOVE,
        )


def test_leaving_care_ends_the_episode_and_keeps_the_record(personas, setting):
    episode = care_episode_end(
        actor=personas.virtual_school_staff,
        child=setting.child,
        ended_on=MOVE,
        reason="Returned home",
    )
    assert episode.ended_on == MOVE
    assert sees(personas.virtual_school_staff, setting.child)


def test_registration_without_a_school_is_no_school_place(personas):
    child = register(personas, school=None, name="Nell")
    assert not child_record(child=child).has_school_place
