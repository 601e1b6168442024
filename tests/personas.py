"""The personas every test uses, in the manner of healthchecks' Alice and Bob: who is asking
matters more than what, so tests read as "the unrelated social worker cannot …". This module is
the one place they are built; a test that needs "someone of role X" asks for a persona by name
(`getattr(personas, name)`), not for a user of its own making."""

from dataclasses import dataclass
from functools import cached_property

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.roles import CarerKind, Role
from tests.factories import (
    LocalAuthorityFactory,
    SchoolFactory,
    TeacherApprovalFactory,
    UserFactory,
)

# Every persona, by attribute name, for access matrices; and those in the care team of the
# shared child (tests/children/fixtures.py `setting`, with a delegation in `pep_setting`).
PERSONA_NAMES = [
    "social_worker",
    "unrelated_social_worker",
    "designated_teacher",
    "delegated_school_staff",
    "other_school_teacher",
    "carer",
    "virtual_school_staff",
    "independent_reviewing_officer",
    "authority_administrator",
    "other_authority_virtual_school_staff",
    "other_authority_social_worker",
]
PEP_CARE_TEAM = {
    "social_worker",
    "designated_teacher",
    "delegated_school_staff",
    "carer",
    "virtual_school_staff",
    "independent_reviewing_officer",
}
# With Val Admin (made only when asked for), for pages that only administrators manage.
PERSONA_NAMES_WITH_ADMINISTRATOR = [*PERSONA_NAMES, "virtual_school_administrator"]


def person(name: str, role: Role, **kwargs: object) -> User:
    email = name.lower().replace(" ", ".") + "@example.org"
    return UserFactory.for_role(role, full_name=name, email=email, **kwargs)


@dataclass
class Personas:
    authority: LocalAuthority
    other_authority: LocalAuthority
    social_worker: User
    unrelated_social_worker: User
    designated_teacher: User
    delegated_school_staff: User
    other_school_teacher: User
    carer: User
    virtual_school_staff: User
    independent_reviewing_officer: User
    authority_administrator: User
    other_authority_virtual_school_staff: User
    other_authority_social_worker: User

    @cached_property
    def virtual_school_administrator(self) -> User:
        """Val Admin: Northam's virtual school staff with the administrator duty (calendars,
        allocations, audit). Made on first use, so tests that count Northam's staff are not
        changed by a persona they never asked for."""
        return person(
            "Val Admin",
            Role.VIRTUAL_SCHOOL_STAFF,
            authority=self.authority,
            is_vs_administrator=True,
        )

    def by_role(self) -> dict[str, User]:
        """One user of each role, all of `authority` or its school."""
        return {
            Role.SOCIAL_WORKER: self.social_worker,
            Role.DESIGNATED_TEACHER: self.designated_teacher,
            Role.DELEGATED_SCHOOL_STAFF: self.delegated_school_staff,
            Role.CARER: self.carer,
            Role.VIRTUAL_SCHOOL_STAFF: self.virtual_school_staff,
            Role.INDEPENDENT_REVIEWING_OFFICER: self.independent_reviewing_officer,
            Role.AUTHORITY_ADMINISTRATOR: self.authority_administrator,
        }


def make_personas() -> Personas:
    """Build every persona (the `personas` fixture; call it directly only where a fixture
    cannot be used)."""
    authority = LocalAuthorityFactory(name="Northam Council", slug="northam", la_code="801")
    other = LocalAuthorityFactory(name="Southam Council", slug="southam", la_code="802")
    school = SchoolFactory(name="Northam High School")
    other_school = SchoolFactory(name="Southam Primary School")

    personas = Personas(
        authority=authority,
        other_authority=other,
        social_worker=person("Alice Social", Role.SOCIAL_WORKER, authority=authority),
        unrelated_social_worker=person("Bob Social", Role.SOCIAL_WORKER, authority=authority),
        designated_teacher=person("Dee Teacher", Role.DESIGNATED_TEACHER, school=school),
        delegated_school_staff=person("Sen Co", Role.DELEGATED_SCHOOL_STAFF, school=school),
        other_school_teacher=person("Otto Teacher", Role.DESIGNATED_TEACHER, school=other_school),
        carer=person(
            "Carol Carer", Role.CARER, authority=authority, carer_kind=CarerKind.FOSTER_CARER
        ),
        virtual_school_staff=person(
            "Vic School", Role.VIRTUAL_SCHOOL_STAFF, authority=authority, is_vs_adviser=True
        ),
        independent_reviewing_officer=person(
            "Ivy Reviewer", Role.INDEPENDENT_REVIEWING_OFFICER, authority=authority
        ),
        authority_administrator=person(
            "Ada Admin", Role.AUTHORITY_ADMINISTRATOR, authority=authority
        ),
        other_authority_virtual_school_staff=person(
            "Sol Virtual", Role.VIRTUAL_SCHOOL_STAFF, authority=other
        ),
        other_authority_social_worker=person("Sid Social", Role.SOCIAL_WORKER, authority=other),
    )
    # Northam approves Dee to work with its children at Northam High (children.TeacherApproval);
    # nobody approves Otto, who serves no child of either authority.
    TeacherApprovalFactory(authority=authority, teacher=personas.designated_teacher)
    return personas
