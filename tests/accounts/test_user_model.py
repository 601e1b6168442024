"""The database itself refuses an account that belongs to the wrong kind of organisation."""

import pytest
from django.db import IntegrityError, transaction

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from tests.factories import LocalAuthorityFactory, SchoolFactory


@pytest.mark.parametrize(
    ("role", "org", "extra"),
    [
        (Role.SOCIAL_WORKER, "none", {}),
        (Role.SOCIAL_WORKER, "school", {}),
        (Role.VIRTUAL_SCHOOL_STAFF, "none", {}),
        (Role.DESIGNATED_TEACHER, "authority", {}),
        (Role.DELEGATED_SCHOOL_STAFF, "none", {}),
        (Role.CARER, "authority", {}),  # no carer kind
        ("", "authority", {}),  # no role and not an operator
    ],
)
def test_impossible_accounts_are_refused_by_the_database(db, role, org, extra):
    kwargs = {"full_name": "X", "role": role, **extra}
    if org == "authority":
        kwargs["authority"] = LocalAuthorityFactory()
    elif org == "school":
        kwargs["school"] = SchoolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("x@example.org", "pw-123456789012", **kwargs)


def test_email_is_unique_whatever_its_case(db):
    authority = LocalAuthorityFactory()
    User.objects.create_user(
        "Case@Example.org",
        "pw-123456789012",
        full_name="A",
        role=Role.SOCIAL_WORKER,
        authority=authority,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            email="CASE@example.org", full_name="B", role=Role.SOCIAL_WORKER, authority=authority
        )


def test_account_changes_are_kept_in_history_without_passwords(db):
    user = User.objects.create_user(
        "h@example.org",
        "pw-123456789012",
        full_name="Hist",
        role=Role.SOCIAL_WORKER,
        authority=LocalAuthorityFactory(),
    )
    user.job_title = "Team manager"
    user.save()
    assert [h.job_title for h in user.history.order_by("history_date")] == ["", "Team manager"]
    assert not hasattr(user.history.first(), "password")
