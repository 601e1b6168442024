"""One designated teacher login serves every authority, but a teacher reaches a child only
while the child's authority approves that teacher for that school."""

from django.urls import reverse

from children.selectors import child_list_visible_to
from children.services import care_team_allocate
from pep_portal.accounts.models import User
from tests.children.fixtures import register
from tests.conftest import Personas


def register_for_southam(personas: Personas, school):  # type: ignore[no-untyped-def]
    """Sam, a Southam child placed out of area at Northam High."""
    from children.services import child_register
    from tests.children.fixtures import ENTERED_CARE

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
