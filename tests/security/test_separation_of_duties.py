"""Creating a virtual school or administrator account, approving a designated teacher and
resetting a second factor are each shown to the authority's virtual school head, who is
e-mailed and may undo them."""

import pytest
from django.core import mail
from django.urls import reverse

from children.models import TeacherApproval
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.security.models import AuthoritySecurity, SensitiveAction
from tests.factories import UserFactory


@pytest.fixture
def head(personas):  # type: ignore[no-untyped-def]
    head = UserFactory.for_role(
        Role.VIRTUAL_SCHOOL_STAFF,
        authority=personas.authority,
        full_name="Hedda Head",
        email="hedda.head@example.org",
    )
    AuthoritySecurity.objects.create(authority=personas.authority, virtual_school_head=head)
    return head


def head_mail(head):  # type: ignore[no-untyped-def]
    return [
        m
        for m in mail.outbox
        if m.to == [head.email] and m.subject == "A PEP Portal action for you to check"
    ]


def test_an_administrator_account_created_is_shown_to_the_head_who_closes_it(
    client, personas, head, django_capture_on_commit_callbacks
):
    client.force_login(personas.authority_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("person_invite"),
            {
                "full_name": "Max Admin",
                "email": "max@example.org",
                "role": Role.AUTHORITY_ADMINISTRATOR,
            },
        )
    created = User.objects.get(email="max@example.org")
    assert len(head_mail(head)) == 1
    assert "Max" not in head_mail(head)[0].body  # only a link
    client.force_login(head)
    page = client.get(reverse("sensitive_actions")).content.decode()
    assert "Max Admin" in page and "Ada Admin" in page
    action = SensitiveAction.objects.get(subject=created)
    assert client.post(reverse("sensitive_action_undo", args=[action.pk])).status_code == 302
    created.refresh_from_db()
    assert not created.is_active
    action.refresh_from_db()
    assert action.undone_by == head


def test_a_teacher_approval_is_shown_to_the_head_who_withdraws_it(
    client, personas, head, django_capture_on_commit_callbacks
):
    teacher = personas.other_school_teacher
    client.force_login(personas.authority_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("teacher_approve", args=[teacher.pk]))
    approval = TeacherApproval.objects.get(teacher=teacher, authority=personas.authority)
    action = SensitiveAction.objects.get(approval=approval)
    assert len(head_mail(head)) == 1
    client.force_login(head)
    client.post(reverse("sensitive_action_undo", args=[action.pk]))
    approval.refresh_from_db()
    assert approval.withdrawn_by == head


def test_a_second_factor_reset_is_shown_to_the_head(
    client, personas, head, django_capture_on_commit_callbacks
):
    client.force_login(personas.authority_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("person_second_factor_reset", args=[personas.social_worker.pk]))
    assert len(head_mail(head)) == 1
    action = SensitiveAction.objects.get(subject=personas.social_worker)
    assert action.actor == personas.authority_administrator
    client.force_login(head)
    client.post(reverse("sensitive_action_undo", args=[action.pk]))
    personas.social_worker.refresh_from_db()
    assert not personas.social_worker.is_active


def test_only_the_head_sees_or_undoes_the_actions(client, personas, head):
    client.force_login(personas.authority_administrator)
    client.post(reverse("person_second_factor_reset", args=[personas.social_worker.pk]))
    action = SensitiveAction.objects.get()
    for other in (
        personas.virtual_school_staff,
        personas.authority_administrator,
        personas.other_authority_virtual_school_staff,
    ):
        client.force_login(other)
        assert client.get(reverse("sensitive_actions")).status_code == 403
        assert client.post(reverse("sensitive_action_undo", args=[action.pk])).status_code == 403
    action.refresh_from_db()
    assert action.undone_at is None


def test_a_virtual_school_account_created_is_shown_to_the_head_who_closes_it(
    client, personas, head, django_capture_on_commit_callbacks
):
    client.force_login(personas.authority_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("person_invite"),
            {
                "full_name": "Vic Staff",
                "email": "vic@example.org",
                "role": Role.VIRTUAL_SCHOOL_STAFF,
                "duties": ["adviser"],
            },
        )
    created = User.objects.get(email="vic@example.org")
    action = SensitiveAction.objects.get(subject=created)
    assert action.kind == "account_created"
    assert len(head_mail(head)) == 1
    client.force_login(head)
    assert "Vic Staff" in client.get(reverse("sensitive_actions")).content.decode()
    client.post(reverse("sensitive_action_undo", args=[action.pk]))
    created.refresh_from_db()
    assert not created.is_active
    # Undone once: a second undo says so and changes nothing.
    response = client.post(reverse("sensitive_action_undo", args=[action.pk]), follow=True)
    assert "This has already been undone" in response.content.decode()
