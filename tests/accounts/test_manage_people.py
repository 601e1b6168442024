import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from children.selectors import child_list_visible_to
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from tests.children.fixtures import register


def invite(client, **data):  # type: ignore[no-untyped-def]
    form = {"full_name": "Nina New", "email": "nina.new@example.org", "role": "social_worker"}
    form.update(data)
    return client.post(reverse("person_invite"), form)


def test_administrator_invites_a_social_worker_who_sets_a_password_by_link(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas.authority_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client)
    nina = User.objects.get(email="nina.new@example.org")
    assert response["Location"] == reverse("person_detail", args=[nina.pk])
    assert nina.authority == personas.authority
    assert not nina.has_usable_password()
    [message] = mail.outbox
    assert "Nina" not in message.body + message.subject
    link = re.search(r"https://pep-portal\.test(\S+)", message.body).group(1)
    newcomer = Client()
    form_url = newcomer.get(link)["Location"]
    password = "a-long-new-passphrase"
    newcomer.post(form_url, {"new_password1": password, "new_password2": password})
    assert (
        newcomer.post(
            reverse("login"), {"username": "nina.new@example.org", "password": password}
        ).status_code
        == 302
    )


def test_virtual_school_administrator_invites_a_designated_teacher_by_urn(client, personas):
    vs = personas.virtual_school_staff
    vs.is_vs_administrator = True
    vs.save()
    client.force_login(vs)
    school = personas.designated_teacher.school
    invite(client, role="designated_teacher", email="dt2@example.org", school=str(school.urn))
    teacher = User.objects.get(email="dt2@example.org")
    assert teacher.school == school and teacher.authority is None


def test_designated_teacher_adds_a_colleague_at_their_own_school_only(client, personas):
    client.force_login(personas.designated_teacher)
    invite(client, role="delegated_school_staff", email="ta@example.org")
    assert User.objects.get(email="ta@example.org").school == personas.designated_teacher.school
    response = invite(client, role="social_worker", email="sw9@example.org")
    assert response.status_code == 200  # not one of their choices
    assert not User.objects.filter(email="sw9@example.org").exists()


@pytest.mark.parametrize(
    "who",
    [
        "social_worker",
        "carer",
        "virtual_school_staff",
        "independent_reviewing_officer",
        "delegated_school_staff",
    ],
)
def test_people_without_the_duty_cannot_add_accounts(client, personas, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("person_invite")).status_code == 403
    assert invite(client).status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": "alice.social@example.org"}, "already has an account"),
        ({"full_name": ""}, "Enter their full name"),
        ({"role": "carer"}, "foster carer or residential staff"),
        ({"role": "designated_teacher", "school": ""}, "Enter the school"),
        ({"role": "designated_teacher", "school": "12ab"}, "Enter the URN as 6 digits"),
        ({"role": "superuser"}, "Select a valid choice"),
    ],
)
def test_bad_invitations_say_what_is_wrong_and_create_nothing(client, personas, data, message):
    client.force_login(personas.authority_administrator)
    before = User.objects.count()
    response = invite(client, **data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert User.objects.count() == before


def test_closing_an_account_removes_access_at_once_and_reopening_restores_it(client, personas):
    child = register(personas, school=personas.designated_teacher.school)
    client.force_login(personas.authority_administrator)
    url = reverse("person_set_active", args=[personas.social_worker.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    personas.social_worker.refresh_from_db()
    assert not personas.social_worker.is_active
    assert not child_list_visible_to(user=personas.social_worker).exists()
    client.post(url, {"active": "1"})
    personas.social_worker.refresh_from_db()
    assert list(child_list_visible_to(user=personas.social_worker)) == [child]


def test_closing_a_designated_teachers_colleague(client, personas):
    client.force_login(personas.designated_teacher)
    url = reverse("person_set_active", args=[personas.delegated_school_staff.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"active": "0"}).status_code == 302
    client.force_login(personas.other_school_teacher)
    assert client.post(url, {"active": "1"}).status_code == 404


def test_nobody_closes_accounts_in_another_authority(client, personas):
    client.force_login(personas.authority_administrator)
    url = reverse("person_set_active", args=[personas.other_authority_social_worker.pk])
    assert client.post(url, {"active": "0"}).status_code == 404
    personas.other_authority_social_worker.refresh_from_db()
    assert personas.other_authority_social_worker.is_active


def test_roles_offered_match_who_is_asking(personas):
    from pep_portal.accounts.permissions import roles_user_may_invite

    assert Role.AUTHORITY_ADMINISTRATOR in roles_user_may_invite(personas.authority_administrator)
    assert roles_user_may_invite(personas.designated_teacher) == [Role.DELEGATED_SCHOOL_STAFF]
    assert roles_user_may_invite(personas.carer) == []


def test_the_people_manager_resends_an_invitation_and_the_history_says_who(
    client, personas, django_capture_on_commit_callbacks
):
    admin = personas.authority_administrator
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        created = invite(client, email="nina.new@example.org")
    nina = User.objects.get(email="nina.new@example.org")
    page = client.get(created["Location"]).content.decode()
    assert "An invitation is on its way" in page  # not "sent": a task sends it
    assert "Emailed on" in page and "Resend invitation" in page
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("person_invitation_resend", args=[nina.pk]))
    assert response["Location"] == reverse("person_detail", args=[nina.pk])
    assert [m.to for m in mail.outbox] == [["nina.new@example.org"]] * 2
    assert "Nina" not in mail.outbox[1].body + mail.outbox[1].subject
    first, second = (
        re.search(r"https://pep-portal\.test(\S+)", m.body).group(1) for m in mail.outbox
    )
    assert first.startswith("/account/password-reset/") and second.startswith(
        "/account/password-reset/"
    )
    asked = nina.history.order_by("-history_date").first()
    assert asked.history_user == admin and asked.invited_at is not None


def test_an_invitation_is_resent_only_by_a_manager_and_only_before_a_password_is_set(
    client, personas
):
    nina = User.objects.create_user(
        email="nina.new@example.org",
        password=None,
        full_name="Nina New",
        role=Role.SOCIAL_WORKER,
        authority=personas.authority,
    )
    url = reverse("person_invitation_resend", args=[nina.pk])
    for who in (personas.social_worker, personas.other_authority_virtual_school_staff):
        client.force_login(who)
        assert client.post(url).status_code in (403, 404)
        assert (
            "Resend invitation"
            not in client.get(reverse("person_detail", args=[nina.pk])).content.decode()
        )
    assert mail.outbox == []

    client.force_login(personas.authority_administrator)
    nina.set_password("a-long-new-passphrase")
    nina.save()
    page = client.get(reverse("person_detail", args=[nina.pk])).content.decode()
    assert "Resend invitation" not in page  # she has signed up: nothing to resend
    shown = client.post(url, follow=True).content.decode()
    assert "Nina New has already set a password" in shown
    nina.set_unusable_password()
    nina.is_active = False
    nina.save()
    shown = client.post(url, follow=True).content.decode()
    assert "This account is closed" in shown
    assert mail.outbox == []


def test_resending_counts_against_the_invitation_limit(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_LIMIT_PER_ACTOR = 2
    client.force_login(personas.authority_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, email="nina.new@example.org")
        nina = User.objects.get(email="nina.new@example.org")
        url = reverse("person_invitation_resend", args=[nina.pk])
        client.post(url)
        refused = client.post(url, follow=True).content.decode()
    assert "You have sent too many invitations in a short time" in refused
    assert len(mail.outbox) == 2


def test_defect_03_an_invited_designated_teacher_sees_their_schools_children_at_once(
    client, personas, setting
):
    """Zara is on Northam High's roll; Northam's administrator invites a second designated
    teacher there, and nothing else happens: the teacher must see Zara straight away."""
    client.force_login(personas.authority_administrator)
    school = setting.school
    invite(client, role="designated_teacher", email="tia@example.org", school=str(school.urn))
    teacher = User.objects.get(email="tia@example.org")
    assert list(child_list_visible_to(user=teacher)) == [setting.child]


def test_defect_03_reopening_a_closed_account_does_not_revive_its_old_sessions(
    client, personas, setting
):
    alice = Client()
    alice.force_login(personas.social_worker)
    assert alice.get(reverse("child_list")).status_code == 200
    client.force_login(personas.authority_administrator)
    url = reverse("person_set_active", args=[personas.social_worker.pk])
    client.post(url, {"active": "0"})
    assert alice.get(reverse("child_list")).status_code == 302  # signed out while closed
    client.post(url, {"active": "1"})
    response = alice.get(reverse("child_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    # Signing in again works, and the reopened account sees its caseload.
    alice.force_login(User.objects.get(pk=personas.social_worker.pk))
    assert "Zara" in alice.get(reverse("child_list")).content.decode()
