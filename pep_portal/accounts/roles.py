"""The people who use the portal, in their own words, and which organisation each belongs to."""

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import User


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    DESIGNATED_TEACHER = "designated_teacher", "Designated teacher"
    DELEGATED_SCHOOL_STAFF = "delegated_school_staff", "Delegated school staff"
    CARER = "carer", "Carer"
    VIRTUAL_SCHOOL_STAFF = "virtual_school_staff", "Virtual school staff"
    INDEPENDENT_REVIEWING_OFFICER = "independent_reviewing_officer", "Independent reviewing officer"
    AUTHORITY_ADMINISTRATOR = "authority_administrator", "Authority administrator"


class VirtualSchoolDuty(models.TextChoices):
    """What a member of virtual school staff does; one person may do several."""

    ADVISER = "adviser", "Adviser"
    QUALITY_ASSURER = "quality_assurer", "Quality assurer"
    ADMINISTRATOR = "administrator", "Administrator"


class CarerKind(models.TextChoices):
    FOSTER_CARER = "foster_carer", "Foster carer"
    RESIDENTIAL_STAFF = "residential_staff", "Residential staff"


# Staff employed by a local authority: they belong to exactly one authority.
AUTHORITY_ROLES = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.VIRTUAL_SCHOOL_STAFF,
        Role.INDEPENDENT_REVIEWING_OFFICER,
        Role.AUTHORITY_ADMINISTRATOR,
    }
)
# School staff belong to a school, not an authority: one login serves children of every
# authority hosted on the portal, because schools take children placed from anywhere.
SCHOOL_ROLES = frozenset({Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF})


# What each role does on the portal, in its own words (the home page says it). "{authority}" is
# the person's authority's name.
ROLE_SUMMARIES = {
    Role.SOCIAL_WORKER: (
        "As the child's social worker you arrange PEP meetings, complete the care information "
        "each term, record the meeting, targets and actions, and submit each PEP for the virtual "
        "school's review within 3 working days of the meeting."
    ),
    Role.DESIGNATED_TEACHER: (
        "As designated teacher you complete the learning sections of each PEP for the children "
        "in care on your school's roll, from any local authority, at least 5 school days before "
        "the meeting, lead the termly reviews and request Pupil Premium Plus. You can delegate "
        "named children to other staff at your school."
    ),
    Role.DELEGATED_SCHOOL_STAFF: (
        "Your designated teacher has delegated work on some children's PEPs to you. You see "
        "only the children and sections delegated to you."
    ),
    Role.CARER: (
        "You can read the personal education plans of the children placed with you and add your "
        "contribution: home learning, and anything that worries you."
    ),
    Role.VIRTUAL_SCHOOL_STAFF: (
        "You set up PEPs for every child in {authority}'s care, supply historical data, approve "
        "Pupil Premium Plus, quality-assure and sign off PEPs, and watch compliance across the "
        "authority."
    ),
    Role.INDEPENDENT_REVIEWING_OFFICER: (
        "You can read the PEPs of the children you review before their care reviews. You cannot "
        "change them."
    ),
    Role.AUTHORITY_ADMINISTRATOR: (
        "You manage the accounts of {authority}'s staff and carers, its school calendars, its "
        "PEP rules and its audit trail."
    ),
}
OPERATOR_SUMMARY = (
    "You operate the portal. Children's records are reached only through a local authority's "
    "accounts."
)


# Roles that never sign in with a password alone, whatever their authority says (issue 17).
ALWAYS_SECOND_FACTOR = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.VIRTUAL_SCHOOL_STAFF,
        Role.INDEPENDENT_REVIEWING_OFFICER,
        Role.AUTHORITY_ADMINISTRATOR,
    }
)


def second_factor_always_required(user: "User") -> bool:
    """The portal's operators and the authority's own staff always use a second factor."""
    return user.is_superuser or user.role in ALWAYS_SECOND_FACTOR


def works_at_a_school(user: "User") -> bool:
    """School staff attached to a school (designated teachers and their delegates)."""
    return user.role in SCHOOL_ROLES and user.school_id is not None
