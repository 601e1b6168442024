"""Access rows are always true: every change to a fact the care team depends on re-syncs them at
once, `check_access` finds and repairs rows that drifted, and the nightly check tells the
portal's operators (counts only, never a child's name)."""

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from children.models import ChildUserObjectPermission
from children.selectors import child_list_visible_to
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import Role
from pep_portal.accounts.services import person_invite, person_set_active
from pep_portal.notifications.models import Kind, Notification
from pep_portal.notifications.tasks import check_access_task


def run_check(*args: str) -> tuple[str, str | None]:
    """check_access's output, and its error when it exits non-zero."""
    out = StringIO()
    try:
        call_command("check_access", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def rows_of(child) -> set[int]:  # type: ignore[no-untyped-def]
    return set(
        ChildUserObjectPermission.objects.filter(content_object=child).values_list(
            "user_id", flat=True
        )
    )


@pytest.fixture
def drifted(personas, setting):  # type: ignore[no-untyped-def]
    """Zara's row for Alice Social (her social worker) deleted, and one for Bob Social (who has
    nothing to do with her) added, behind the services' back."""
    child = setting.child
    ChildUserObjectPermission.objects.filter(
        content_object=child, user=personas.social_worker
    ).delete()
    ChildUserObjectPermission.objects.create(
        content_object=child,
        user=personas.unrelated_social_worker,
        permission=Permission.objects.get(
            codename="view_child", content_type__app_label="children"
        ),
    )
    return child


def test_inviting_a_designated_teacher_gives_the_school_children_at_once(
    personas, setting, django_capture_on_commit_callbacks
):
    # Zara is on Northam High's roll; Northam's administrator invites a second designated
    # teacher there. Nothing else happens: the invitation itself must give her Zara.
    with django_capture_on_commit_callbacks(execute=True):
        tia = person_invite(
            actor=personas.authority_administrator,
            email="tia.teacher@example.org",
            full_name="Tia Teacher",
            role=Role.DESIGNATED_TEACHER,
            school=personas.designated_teacher.school,
        )
    assert user_can(tia, Action.VIEW_CHILD, setting.child)
    assert list(child_list_visible_to(user=tia)) == [setting.child]
    assert tia.pk in rows_of(setting.child)
    assert tia.has_perm("children.view_child", setting.child)
    assert run_check() == ("Access rows match the care teams.\n", None)


def test_closing_and_reopening_an_account_takes_access_away_and_back(personas, setting):
    carer = personas.carer
    person_set_active(actor=personas.authority_administrator, person=carer, active=False)
    assert carer.pk not in rows_of(setting.child)
    person_set_active(actor=personas.authority_administrator, person=carer, active=True)
    assert carer.pk in rows_of(setting.child)


def test_check_access_finds_a_deleted_and_an_extra_row_then_repairs_them(personas, drifted):
    zara, alice, bob = drifted.pk, personas.social_worker.pk, personas.unrelated_social_worker.pk
    output, error = run_check()
    assert output == (f"missing  child {zara}  user {alice}\nextra    child {zara}  user {bob}\n")
    assert error == "1 missing and 1 extra access row(s): run check_access --repair"
    assert "Zara" not in output and "Alice" not in output

    output, error = run_check("--repair")
    assert error is None
    assert output.splitlines()[-1] == "Repaired: 1 missing row(s) added, 1 extra row(s) removed."

    assert run_check() == ("Access rows match the care teams.\n", None)
    assert user_can(personas.social_worker, Action.VIEW_CHILD, drifted)
    assert not user_can(personas.unrelated_social_worker, Action.VIEW_CHILD, drifted)


def test_the_nightly_check_tells_the_operators_without_naming_anyone(
    personas, drifted, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCESS_CHECK_ALERT_EMAIL = "operations@example.org"
    operator = User.objects.create_superuser("operator@example.org", "a long passphrase 1")
    with django_capture_on_commit_callbacks(execute=True):
        assert check_access_task("2026-11-25") == 2

    [notice] = Notification.objects.filter(recipient=operator)
    assert notice.kind == Kind.ACCESS_CHECK
    assert notice.child_id is None
    assert notice.message.startswith(
        "The nightly access check found 1 missing and 1 extra access row(s)."
    )
    # Nobody else hears of it.
    assert not Notification.objects.exclude(recipient=operator).filter(kind=Kind.ACCESS_CHECK)

    assert sorted(m.to[0] for m in mailoutbox) == [
        "operations@example.org",
        "operator@example.org",
    ]
    alert = next(m for m in mailoutbox if m.to == ["operations@example.org"])
    assert "found 1 missing and 1 extra access row(s)" in alert.body
    for message in mailoutbox:
        for detail in ("Zara", "Quill", "Alice", "Bob"):
            assert detail not in message.subject + message.body

    # Run again the same night (a retried task): nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        check_access_task("2026-11-25")
    assert Notification.objects.filter(recipient=operator).count() == 1


def test_the_nightly_check_is_silent_when_all_is_well(personas, setting, mailoutbox):
    User.objects.create_superuser("operator@example.org", "a long passphrase 1")
    assert check_access_task("2026-11-25") == 0
    assert not Notification.objects.filter(kind=Kind.ACCESS_CHECK).exists()
    assert mailoutbox == []


def test_the_check_is_on_the_nightly_schedule():
    job = settings.DAILY_JOBS["nightly-access-check"]
    assert (job["task"], job["at"]) == ("pep_portal.notifications.tasks.check_access_task", "03:30")
    assert check_access_task.name == job["task"]
