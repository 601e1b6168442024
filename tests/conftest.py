"""Personas, in the manner of healthchecks' Alice and Bob: who is asking matters more than
what, so tests read as "the unrelated social worker cannot …"."""

import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.roles import CarerKind, Role
from tests.factories import (
    LocalAuthorityFactory,
    SchoolFactory,
    TeacherApprovalFactory,
    UserFactory,
)
from tests.second_factor import verified_login

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

# Fixtures shared across test packages (a child with a care team; a PEP under Medway's rules).
pytest_plugins = ["tests.children.fixtures", "tests.peps.fixtures"]


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


@pytest.fixture(autouse=True)
def _signed_in_with_second_factor(request: pytest.FixtureRequest, monkeypatch: object) -> None:
    """force_login and login in tests give a session verified by a second factor (through
    django_otp.login, tests/second_factor.py), unless the test is about the second factor."""
    if request.node.get_closest_marker("second_factor_by_hand") is None:
        monkeypatch.setattr(Client, "_login", verified_login(Client._login))


@pytest.fixture(autouse=True)
def _own_rate_limits(settings: object) -> None:
    """Each test counts rate limits under its own prefix in the shared Redis, so attempts made
    by one test (or another worker) never count against the next."""
    ratelimit = {**settings.CACHES["ratelimit"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "ratelimit": ratelimit}


@pytest.fixture
def personas(db: None) -> Personas:
    authority = LocalAuthorityFactory(name="Northam Council", slug="northam", la_code="801")
    other = LocalAuthorityFactory(name="Southam Council", slug="southam", la_code="802")
    school = SchoolFactory(name="Northam High School")
    other_school = SchoolFactory(name="Southam Primary School")

    def person(name: str, role: Role, **kwargs: object) -> User:
        email = name.lower().replace(" ", ".") + "@example.org"
        return UserFactory.for_role(role, full_name=name, email=email, **kwargs)

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
