"""Who can see whom: one authority never sees another's people; school staff see their school."""

import pytest
from django.urls import reverse

from children.services import care_team_allocate
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from tests.factories import UserFactory


def visible_names(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("people_list"))
    assert response.status_code == 200
    return {person.full_name for person in response.context["people"]}


def test_virtual_school_staff_see_their_authority_and_nobody_elses(client, personas):
    names = visible_names(client, personas.virtual_school_staff)
    assert {"Alice Social", "Bob Social", "Carol Carer", "Ada Admin", "Ivy Reviewer"} <= names
    assert not names & {"Sol Virtual", "Sid Social", "Dee Teacher", "Otto Teacher"}


def test_people_of_another_authority_are_not_found_and_not_named(client, personas):
    client.force_login(personas.virtual_school_staff)
    for outsider in (
        personas.other_authority_virtual_school_staff,
        personas.other_authority_social_worker,
    ):
        response = client.get(reverse("person_detail", args=[outsider.pk]))
        assert response.status_code == 404
        assert outsider.full_name not in response.content.decode()
        assert outsider.email not in response.content.decode()


def test_search_cannot_reach_across_authorities(client, personas):
    client.force_login(personas.authority_administrator)
    response = client.get(reverse("people_list"), {"q": "Sid"})
    assert list(response.context["people"]) == []
    assert "Sid Social" not in response.content.decode()


def test_designated_teacher_sees_their_school_colleagues_only(client, personas):
    names = visible_names(client, personas.designated_teacher)
    assert names == {"Dee Teacher", "Sen Co"}


def test_carer_sees_only_themselves(client, personas):
    assert visible_names(client, personas.carer) == {"Carol Carer"}
    client.force_login(personas.carer)
    response = client.get(reverse("person_detail", args=[personas.social_worker.pk]))
    assert response.status_code == 404


def test_closed_account_sees_nobody(personas):
    personas.virtual_school_staff.is_active = False
    assert not scope_queryset(personas.virtual_school_staff, Action.VIEW_PERSON, User.objects.all())


def test_only_administrators_manage_accounts_and_only_in_their_authority(personas):
    admin = personas.authority_administrator
    assert user_can(admin, Action.MANAGE_PERSON, personas.social_worker)
    assert not user_can(admin, Action.MANAGE_PERSON, personas.other_authority_social_worker)
    assert not user_can(admin, Action.MANAGE_PERSON, admin)  # not their own role
    assert not user_can(personas.virtual_school_staff, Action.MANAGE_PERSON, personas.carer)
    personas.virtual_school_staff.is_vs_administrator = True
    assert user_can(personas.virtual_school_staff, Action.MANAGE_PERSON, personas.carer)


def test_an_action_without_a_rule_is_refused(personas):
    with pytest.raises(PermissionError):
        user_can(personas.virtual_school_staff, Action.VIEW_AUTHORITY, personas.carer)


def test_each_user_sees_only_their_own_authority(personas):
    assert user_can(personas.social_worker, Action.VIEW_AUTHORITY, personas.authority)
    assert not user_can(personas.social_worker, Action.VIEW_AUTHORITY, personas.other_authority)
    assert not user_can(personas.designated_teacher, Action.VIEW_AUTHORITY, personas.authority)


@pytest.mark.parametrize("how_many", [5, 50])
def test_people_list_query_count_does_not_grow(
    client, personas, django_assert_num_queries, how_many
):
    UserFactory.create_batch(how_many, authority=personas.authority)
    client.force_login(personas.virtual_school_staff)
    # Session, user, the user's authority (footer), the count of people and the page of
    # them: five, however many people there are (the session is not written on every
    # request: pep_portal.middleware.SessionIdleRefreshMiddleware).
    with django_assert_num_queries(5):
        response = client.get(reverse("people_list"))
    assert len(response.context["people"]) >= how_many


def test_admin_is_for_portal_operators_only(client, personas):
    staff = personas.authority_administrator
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302  # sent to the admin sign-in
    operator = User.objects.create_superuser(
        "operator@example.org", "operator-pass-1234", full_name="Op Erator"
    )
    client.force_login(operator)
    assert client.get("/admin/").status_code == 200


def test_defect_11_carers_are_shown_only_to_the_virtual_school_administrators_and_their_team(
    client, personas, setting
):
    """Carol Carer looks after Zara (`setting`): Alice Social and Ivy Reviewer share Zara with
    her; Bob Social shares no child with her and must not get her name or address."""
    carer = personas.carer
    for viewer in (
        personas.virtual_school_staff,
        personas.authority_administrator,
        personas.social_worker,
        personas.independent_reviewing_officer,
    ):
        assert "Carol Carer" in visible_names(client, viewer), viewer
    assert "Carol Carer" not in visible_names(client, personas.unrelated_social_worker)
    response = client.get(reverse("people_list"), {"q": "carol"})
    assert carer.email not in response.content.decode()
    assert client.get(reverse("person_detail", args=[carer.pk])).status_code == 404
    # Once Alice no longer shares a child with Carol, Carol leaves Alice's list too.
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=setting.child,
        social_worker=personas.unrelated_social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=personas.independent_reviewing_officer,
    )
    assert "Carol Carer" not in visible_names(client, personas.social_worker)
    assert "Carol Carer" in visible_names(client, personas.unrelated_social_worker)
