from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.demo import DEMO_PASSWORD, DEMO_TOTP_KEY


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = row_counts()
    snapshot = list(User.objects.order_by("pk").values())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert row_counts() == first
    assert list(User.objects.order_by("pk").values()) == snapshot
    assert first["children.Child"] >= 4


def test_seed_demo_has_every_role_and_each_can_sign_in(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for role in Role:
        user = User.objects.filter(role=role).first()
        assert user is not None, f"no demo {role.label}"
        client = Client()
        response = client.post(
            reverse("login"), {"username": user.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, role
        # The second step: a code from the demo authenticator key (README, "Demo logins").
        code = f"{totp(bytes.fromhex(DEMO_TOTP_KEY)):06d}"
        response = client.post(reverse("second_factor_verify"), {"code": code})
        assert response["Location"] == reverse("home"), role
        assert user.role_label in client.get(reverse("home")).content.decode()


def test_seed_demo_has_a_child_for_every_pep_template(db):
    from children.models import Child
    from children.school_year import PepTemplate

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    templates = {child.year_group().pep_template for child in Child.objects.all()}
    assert templates == set(PepTemplate)


def test_demo_email_addresses_can_never_be_delivered(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert all(u.email.endswith(".example") for u in User.objects.all())
