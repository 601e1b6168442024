"""One designated teacher login serves every authority, but a teacher reaches a child only
while the child's authority approves that teacher for that school."""

import datetime as dt
import importlib
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from children.models import Child, ChildUserObjectPermission, Delegation, TeacherApproval
from children.selectors import child_list_visible_to, child_record
from children.services import care_team_allocate, child_register, delegation_grant, school_move
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.accounts.services import (
    person_set_active,
    teacher_approval_withdraw,
    teacher_approve,
)
from pep_portal.notifications.models import Kind, Notification
from tests.children.fixtures import ENTERED_CARE, register
from tests.conftest import Personas
from tests.factories import SchoolFactory, UserFactory


def register_for_southam(personas: Personas, school):  # type: ignore[no-untyped-def]
    """Sam, a Southam child placed out of area at Northam High."""
    return child_register(
        actor=personas.other_authority_virtual_school_staff,
        details={
            "legal_first_name": "Sam",
            "legal_last_name": "Southby",
            "date_of_birth": ENTERED_CARE.replace(year=2014),
            "gender": "male",
        },
        entered_care_on=ENTERED_CARE,
        emergency_placement=False,
        legal_status="co",
        placement_type="foster",
        school=school,
        social_worker=personas.other_authority_social_worker,
    )


def invite_teacher(client, admin: User, school, email="tia@example.org") -> User:  # type: ignore[no-untyped-def]
    client.force_login(admin)
    client.post(
        reverse("person_invite"),
        {
            "full_name": "Tia Teacher",
            "email": email,
            "role": "designated_teacher",
            "school": str(school.urn),
        },
    )
    return User.objects.get(email=email)


def test_defect_01_an_administrator_cannot_create_an_account_that_reads_another_authoritys_children(
    client, personas
):
    school = personas.designated_teacher.school
    zara = register(personas, school=school)  # Northam's child at Northam High
    sam = register_for_southam(personas, school)  # Southam's child at the same school
    tia = invite_teacher(client, personas.authority_administrator, school)
    # Southam changes Sam's care team: every sync path must still leave Tia out.
    care_team_allocate(
        actor=personas.other_authority_virtual_school_staff,
        child=sam,
        social_worker=personas.other_authority_social_worker,
        virtual_school_adviser=personas.other_authority_virtual_school_staff,
        independent_reviewing_officer=None,
    )
    assert list(child_list_visible_to(user=tia)) == [zara]
    assert not tia.has_perm("children.view_child", sam)
    # Northam, which let her in, can cut her off: its approval is withdrawn, at once.
    response = client.post(reverse("teacher_approval_withdraw", args=[tia.pk]))
    assert response.status_code == 302
    assert list(child_list_visible_to(user=tia)) == []


@dataclass
class TwoAuthorities:
    """Northam High takes children of both authorities. Northam's administrator invited Tia
    there; Southam has not approved her yet."""

    zara: Child  # Northam's
    sam: Child  # Southam's
    tia: User
    southam_admin: User  # a virtual school administrator
    southam_adviser: User  # virtual school staff without the administrator duty


@pytest.fixture
def two(client, personas) -> TwoAuthorities:  # type: ignore[no-untyped-def]
    school = personas.designated_teacher.school
    southam_admin = personas.other_authority_virtual_school_staff
    southam_admin.is_vs_administrator = True
    southam_admin.save()
    southam_adviser = UserFactory.for_role(
        Role.VIRTUAL_SCHOOL_STAFF,
        authority=personas.other_authority,
        full_name="Sue Southadviser",
        is_vs_adviser=True,
    )
    zara = register(personas, school=school)
    sam = register_for_southam(personas, school)
    tia = invite_teacher(Client(), personas.authority_administrator, school)
    return TwoAuthorities(zara, sam, tia, southam_admin, southam_adviser)


def test_another_authority_approves_the_same_login_for_its_own_children(
    client, personas, two, django_capture_on_commit_callbacks
):
    client.force_login(two.southam_admin)
    # Adding Tia again, as Southam, leads to approving her existing login, not a second one.
    response = client.post(
        reverse("person_invite"),
        {
            "full_name": "Tia Teacher",
            "email": "TIA@example.org",
            "role": "designated_teacher",
            "school": str(two.tia.school.urn),
        },
    )
    assert response["Location"] == reverse("teacher_approvals", args=[two.tia.pk])
    assert User.objects.filter(email__iexact="tia@example.org").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "already has a designated teacher login" in page
    assert "Northam Council" in page  # who else approves her
    assert "Approve for Southam Council's children" in page
    assert list(child_list_visible_to(user=two.tia)) == [two.zara]

    mail.outbox.clear()
    earlier = list(Notification.objects.values_list("pk", flat=True))  # Northam's invitation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("teacher_approve", args=[two.tia.pk]))
    assert response.status_code == 302
    assert set(child_list_visible_to(user=two.tia)) == {two.zara, two.sam}
    told = set(
        Notification.objects.exclude(pk__in=earlier)
        .filter(kind=Kind.TEACHER_APPROVED, child__isnull=True)
        .values_list("recipient__full_name", flat=True)
    )
    # Tia, and Southam's virtual school (but not the administrator who did it, nor Northam).
    assert told == {"Tia Teacher", "Sue Southadviser"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [two.southam_adviser.email, "tia@example.org"]
    )
    for message in mail.outbox:
        text = message.subject + message.body
        assert "Sam" not in text and "Zara" not in text and "Southby" not in text
        assert "https://pep-portal.test/notifications/" in text
    # Approving twice says so and changes nothing.
    client.post(reverse("teacher_approve", args=[two.tia.pk]))
    assert TeacherApproval.objects.filter(teacher=two.tia, withdrawn_at__isnull=True).count() == 2


def test_each_authority_withdraws_only_its_own_approval_and_access_goes_at_once(
    client, personas, two
):
    teacher_approve(actor=two.southam_admin, teacher=two.tia)
    colleague = UserFactory.for_role(Role.DELEGATED_SCHOOL_STAFF, school=two.tia.school)
    delegation_grant(actor=two.tia, child=two.sam, delegate=colleague)
    assert list(child_list_visible_to(user=colleague)) == [two.sam]

    client.force_login(two.southam_admin)
    client.post(reverse("teacher_approval_withdraw", args=[two.tia.pk]))
    assert list(child_list_visible_to(user=two.tia)) == [two.zara]  # Northam's still stands
    assert list(child_list_visible_to(user=colleague)) == []  # the delegation goes with it
    assert Delegation.objects.get(delegate=colleague).revoked_at is None  # suspended, not lost
    page = client.get(reverse("teacher_approvals", args=[two.tia.pk])).content.decode()
    assert "Withdrawn approvals" in page and "Approve for Southam" in page
    told = Notification.objects.filter(kind=Kind.TEACHER_APPROVAL_WITHDRAWN)
    assert set(told.values_list("recipient__full_name", flat=True)) == {
        "Tia Teacher",
        "Sue Southadviser",
    }
    # Southam cannot withdraw Northam's approval: there is no Southam approval left to withdraw.
    assert client.post(reverse("teacher_approval_withdraw", args=[two.tia.pk])).status_code == 403
    northams = TeacherApproval.objects.get(teacher=two.tia, authority=personas.authority)
    with pytest.raises(PermissionDenied):
        teacher_approval_withdraw(actor=two.southam_admin, approval=northams)
    assert northams.history.count() == 1  # untouched

    # Southam approves again: a new approval, the old one kept in the history.
    teacher_approve(actor=two.southam_admin, teacher=two.tia)
    assert set(child_list_visible_to(user=colleague)) == {two.sam}
    assert (
        TeacherApproval.objects.filter(teacher=two.tia, authority=personas.other_authority).count()
        == 2
    )


def test_who_may_see_and_change_a_teachers_approvals(client, personas, two):
    approvals = reverse("teacher_approvals", args=[two.tia.pk])
    approve = reverse("teacher_approve", args=[two.tia.pk])
    # Southam's adviser (no administrator duty): Southam never approved Tia, so not found.
    client.force_login(two.southam_adviser)
    assert client.get(approvals).status_code == 404
    assert client.post(approve).status_code == 404
    # Northam's adviser sees the approvals of a teacher Northam approved, but may not change them.
    client.force_login(personas.virtual_school_staff)
    page = client.get(approvals)
    assert page.status_code == 200 and "Withdraw" not in page.content.decode()
    assert client.post(reverse("teacher_approval_withdraw", args=[two.tia.pk])).status_code == 403
    for outsider in (personas.social_worker, personas.carer, personas.other_school_teacher):
        client.force_login(outsider)
        assert client.get(approvals).status_code == 404
        assert client.post(approve).status_code == 404
    # Tia sees her own approvals, from her home page.
    client.force_login(two.tia)
    assert approvals in client.get(reverse("home")).content.decode()
    assert "Northam Council" in client.get(approvals).content.decode()
    assert client.post(approve).status_code == 403  # she may see them, not approve herself
    with pytest.raises(PermissionDenied):
        teacher_approve(actor=personas.social_worker, teacher=two.tia)


def test_no_authority_closes_the_login_but_an_operator_does(client, personas, two):
    client.force_login(personas.authority_administrator)
    url = reverse("person_set_active", args=[two.tia.pk])
    assert client.post(url, {"active": "0"}).status_code == 404
    two.tia.refresh_from_db()
    assert two.tia.is_active
    # The teacher list is where an authority finds the teachers it approves.
    page = client.get(reverse("teacher_list")).content.decode()
    assert "Tia Teacher" in page and "Dee Teacher" in page

    tia_browser = Client()
    tia_browser.force_login(two.tia)
    operator = User.objects.create_superuser(
        "operator@example.org", "operator-pass-1234", full_name="Op Erator"
    )
    admin = Client()
    admin.force_login(operator)
    change = reverse("admin:accounts_user_change", args=[two.tia.pk])
    form = admin.get(change).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and name not in ("password", "last_login", "date_joined")
    }
    data.update(is_active="", school=two.tia.school_id)
    data = {k: v for k, v in data.items() if v not in (False, "")}
    data["date_joined_0"] = "2026-09-01"
    data["date_joined_1"] = "09:00:00"
    response = admin.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    two.tia.refresh_from_db()
    assert not two.tia.is_active
    assert not ChildUserObjectPermission.objects.filter(user=two.tia).exists()
    # Reopened by the operator: the care teams take her back, her old session stays ended.
    person_set_active(actor=operator, person=two.tia, active=True)
    assert list(child_list_visible_to(user=two.tia)) == [two.zara]
    assert tia_browser.get(reverse("child_list")).status_code == 302


def test_the_childs_record_names_the_schools_teachers_its_authority_has_not_approved(
    client, personas, two
):
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("child_detail", args=[two.zara.pk])).content.decode()
    assert "teachers-not-approved" not in page  # Northam approves both Dee and Tia
    record = child_record(child=two.sam)
    assert {m.person for m in record.care_team if m.role == "Designated teacher"} == set()
    assert {t.full_name for t in record.teachers_not_approved} == {"Dee Teacher", "Tia Teacher"}
    client.force_login(two.southam_admin)
    page = client.get(reverse("child_detail", args=[two.sam.pk])).content.decode()
    assert 'id="teachers-not-approved"' in page
    assert reverse("teacher_approvals", args=[two.tia.pk]) in page


def test_an_approval_follows_the_teacher_at_that_school_only(personas, two):
    """Moving a child to another school takes them out of reach; moving the teacher's login to
    another school (an operator's change) ends what the old school's approvals gave."""
    school_move(
        actor=personas.virtual_school_staff,
        child=two.zara,
        school=SchoolFactory(),
        started_on=ENTERED_CARE + dt.timedelta(days=20),
    )
    assert list(child_list_visible_to(user=two.tia)) == []
    school_move(
        actor=personas.virtual_school_staff,
        child=two.zara,
        school=two.tia.school,
        started_on=ENTERED_CARE + dt.timedelta(days=40),
    )
    assert list(child_list_visible_to(user=two.tia)) == [two.zara]
    two.tia.school = SchoolFactory()
    two.tia.save()
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=two.zara,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=None,
    )
    assert list(child_list_visible_to(user=two.tia)) == []


@pytest.mark.parametrize("how_many", [3, 30])
def test_teacher_list_query_count_does_not_grow(
    client, personas, django_assert_num_queries, how_many
):
    for _ in range(how_many):
        teacher_approve(
            actor=personas.authority_administrator,
            teacher=UserFactory.for_role(Role.DESIGNATED_TEACHER),
        )
    client.force_login(personas.virtual_school_staff)
    # Session, user, the permission check, the approvals with teacher, school and approver,
    # the user's authority (footer); the session is not written on every request.
    with django_assert_num_queries(5):
        response = client.get(reverse("teacher_list"))
    assert len(response.context["approvals"]) == how_many + 1  # and Dee


# --- carrying existing teachers over ---------------------------------------------------------


def _approve_existing_teachers() -> None:
    migration = importlib.import_module("children.migrations.0003_teacher_approval")
    migration.approve_existing_teachers(apps, None)


def test_existing_teachers_are_approved_by_the_authorities_whose_children_they_see_today(
    personas,
):
    """Before approvals, a teacher held permission rows for every child at their school,
    whatever its authority; a delegate held rows through their teacher's delegation."""
    school = SchoolFactory(name="Westbrook School")
    old_hand = UserFactory.for_role(Role.DESIGNATED_TEACHER, school=school, full_name="Old Hand")
    delegator = UserFactory.for_role(Role.DESIGNATED_TEACHER, school=school, full_name="Del Egator")
    unseen = UserFactory.for_role(Role.DESIGNATED_TEACHER, school=school, full_name="Una Seen")
    assistant = UserFactory.for_role(Role.DELEGATED_SCHOOL_STAFF, school=school)
    northam_child = register(personas, school=None, name="Nell")
    southam_child = register_for_southam(personas, None)
    view_child = Permission.objects.get(codename="view_child", content_type__app_label="children")
    for child in (northam_child, southam_child):
        ChildUserObjectPermission.objects.create(
            content_object=child, user=old_hand, permission=view_child
        )
    # Del delegated Southam's child to the assistant, who sees it today; Del holds no row.
    Delegation.objects.create(
        child=southam_child, school=school, delegate=assistant, delegated_by=delegator
    )
    ChildUserObjectPermission.objects.create(
        content_object=southam_child, user=assistant, permission=view_child
    )
    # Una was invited by Northam's administrator and has seen nothing yet (defect 3).
    una_created = unseen.history.get(history_type="+")
    una_created.history_user = personas.authority_administrator
    una_created.save()
    TeacherApproval.objects.all().delete()

    _approve_existing_teachers()
    _approve_existing_teachers()  # a second run adds nothing

    approvals = set(
        TeacherApproval.objects.values_list(
            "teacher__full_name", "authority__name", "school__name", "withdrawn_at"
        )
    )
    assert approvals == {
        ("Old Hand", "Northam Council", "Westbrook School", None),
        ("Old Hand", "Southam Council", "Westbrook School", None),
        ("Del Egator", "Southam Council", "Westbrook School", None),
        ("Una Seen", "Northam Council", "Westbrook School", None),
    }
    carried = TeacherApproval.history.filter(
        history_change_reason="Carried over when approvals began"
    )
    assert set(carried.values_list("history_type", "id")) == {
        ("+", pk) for pk in TeacherApproval.objects.values_list("pk", flat=True)
    }
