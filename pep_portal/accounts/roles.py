"""The people who use the portal, in their own words, and which organisation each belongs to."""

from django.db import models


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
