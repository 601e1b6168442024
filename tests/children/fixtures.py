import datetime as dt
from dataclasses import dataclass

import pytest

from children.models import Child, LegalStatus, PlacementType, School
from children.services import care_team_allocate, child_register
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import CarerKind, Role
from tests.conftest import Personas
from tests.factories import SchoolFactory, TeacherApprovalFactory, UserFactory

ENTERED_CARE = dt.date(2026, 9, 14)


@dataclass
class CareSetting:
    child: Child
    school: School
    new_school: School
    new_school_teacher: User
    new_carer: User


def register(
    personas: Personas,
    *,
    school: School | None,
    name: str = "Zara",
    carers: list[User] | None = None,
    initial_pep: bool = True,
) -> Child:
    """A child entering care on 14 September 2026 as an emergency. `initial_pep=False`: a
    record brought onto the portal after its initial PEP, for tests that set up the Autumn 2026
    PEP (an initial PEP is the PEP of its term, and the portal refuses a second one)."""
    return child_register(
        actor=personas.virtual_school_staff,
        details={
            "legal_first_name": name,
            "legal_last_name": "Quill",
            "date_of_birth": dt.date(2015, 5, 5),
            "gender": "female",
        },
        entered_care_on=ENTERED_CARE,
        emergency_placement=True,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[personas.carer] if carers is None else carers,
        school=school,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        initial_pep=initial_pep,
    )


@pytest.fixture
def setting(personas: Personas) -> CareSetting:
    """A child of Northam at Northam High (Dee Teacher's school), placed with Carol Carer,
    allocated to Alice Social and Ivy Reviewer."""
    school = personas.designated_teacher.school
    child = register(personas, school=school)
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=child,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=personas.independent_reviewing_officer,
    )
    new_school = SchoolFactory(name="Eastham Academy")
    new_school_teacher = UserFactory.for_role(
        Role.DESIGNATED_TEACHER, school=new_school, full_name="Nia Newteacher"
    )
    # Northam has approved Nia too, so a move to her school gives her its child.
    TeacherApprovalFactory(authority=personas.authority, teacher=new_school_teacher)
    return CareSetting(
        child=child,
        school=school,
        new_school=new_school,
        new_school_teacher=new_school_teacher,
        new_carer=UserFactory.for_role(
            Role.CARER,
            authority=personas.authority,
            full_name="Nat Newcarer",
            carer_kind=CarerKind.RESIDENTIAL_STAFF,
        ),
    )
