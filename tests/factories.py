import datetime as dt

import factory

from children.models import Child, Gender, School, SchoolType, TeacherApproval
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.roles import CarerKind, Role

PASSWORD = "correct-horse-battery"


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Testshire {n} Council")
    slug = factory.Sequence(lambda n: f"testshire-{n}")
    la_code = factory.Sequence(lambda n: f"{800 + n % 199:03d}")
    virtual_school_name = factory.LazyAttribute(lambda o: f"{o.name} Virtual School")
    virtual_school_email = factory.LazyAttribute(lambda o: f"vs@{o.slug}.example")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: 700000 + n)
    name = factory.Sequence(lambda n: f"Test School {n}")
    la_code = "800"
    school_type = SchoolType.MAINTAINED
    phase = "Primary"
    town = "Testford"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.SOCIAL_WORKER
    authority = factory.SubFactory(LocalAuthorityFactory)
    password = factory.django.Password(PASSWORD)

    class Params:
        school_staff = factory.Trait(authority=None, school=factory.SubFactory(SchoolFactory))

    @classmethod
    def for_role(cls, role: Role, **kwargs: object) -> User:
        if role in (Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF):
            kwargs.setdefault("authority", None)
            if "school" not in kwargs:
                kwargs["school"] = SchoolFactory()
        if role == Role.CARER:
            kwargs.setdefault("carer_kind", CarerKind.FOSTER_CARER)
        return cls(role=role, **kwargs)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    authority = factory.SubFactory(LocalAuthorityFactory)
    legal_first_name = factory.Sequence(lambda n: f"Childfirst{n}")
    legal_last_name = factory.Sequence(lambda n: f"Childlast{n}")
    date_of_birth = dt.date(2015, 3, 1)
    gender = Gender.NOT_KNOWN


class TeacherApprovalFactory(factory.django.DjangoModelFactory):
    """An authority's approval of a designated teacher at their school, made directly (no
    notifications, no access sync): for setting the scene before any child exists."""

    class Meta:
        model = TeacherApproval

    authority = factory.SubFactory(LocalAuthorityFactory)
    teacher = factory.SubFactory(
        UserFactory, role=Role.DESIGNATED_TEACHER, authority=None, school_staff=True
    )
    school = factory.LazyAttribute(lambda o: o.teacher.school)
