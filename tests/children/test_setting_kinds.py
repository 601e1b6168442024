"""Every kind of setting (issue 15): early years providers by Ofsted URN, schools and colleges
of every GIAS type, training providers and employers (UKPRN where there is one), home
education, EOTAS and NEET. A setting where nobody does the school's sections on the portal
leaves them to the social worker (as with no school place), with its named contact shown."""

import datetime as dt

import pytest
from django.urls import reverse

from children.models import School, SchoolType, SettingKind
from children.school_import import import_schools, parse_gias_csv
from children.services import school_move
from peps.models import Pep, PepSection
from peps.sections import SECTIONS_BY_KEY
from peps.services import may_edit

MOVED = dt.date(2026, 10, 5)


def _form(**values: object) -> dict[str, object]:
    form: dict[str, object] = {"kind": "", "name": "", "urn": "", "ukprn": ""}
    form.update(values)
    return form


# (what was typed, the kind, what is stored: urn, ukprn, someone there does the school's sections)
NEW_SETTINGS = [
    (
        _form(
            kind="early_years",
            name="Little Acorns Day Nursery",
            urn="512345",
            contact_name="Pat Manager",
            has_designated_teacher="on",
        ),
        (512345, "", True),
    ),
    (
        _form(
            kind="training_provider",
            name="Northam Skills Ltd",
            ukprn="10012345",
            contact_name="Lee Tutor",
            email="lee.tutor@example.org",
        ),
        (None, "10012345", False),
    ),
    (
        _form(kind="employer", name="Riverside Garage", contact_name="Sam Owner"),
        (None, "", False),
    ),
    # Home education, EOTAS and NEET: never a URN, UKPRN or designated teacher, whatever is
    # typed (the box ticked is ignored).
    (
        _form(kind="home_education", name="Home education (Northam)", has_designated_teacher="on"),
        (None, "", False),
    ),
    (
        _form(kind="eotas", name="Northam tuition service", contact_name="Jo Tutor", urn=""),
        (None, "", False),
    ),
    (_form(kind="neet", name="Not in education (Northam)"), (None, "", False)),
]


@pytest.mark.parametrize(("typed", "stored"), NEW_SETTINGS)
def test_the_virtual_school_adds_each_kind_of_setting(client, personas, typed, stored):
    client.force_login(personas.virtual_school_staff)
    response = client.post(reverse("setting_add"), typed)
    assert response.status_code == 302, response.content.decode()[-3000:]
    setting = School.objects.get(name=typed["name"])
    assert setting.kind == typed["kind"]
    assert (setting.urn, setting.ukprn, setting.has_designated_teacher) == stored
    assert setting.history.get().history_user == personas.virtual_school_staff
    page = client.get(reverse("setting_list")).content.decode()
    assert typed["name"] in page


def test_a_setting_is_found_by_urn_ukprn_or_reference_and_owns_the_school_sections(
    client,
    personas,
    setting,
):
    """Zara (at Northam High, whose designated teacher does the school's sections) moves to
    a training provider, then home education: the social worker owns those sections there."""
    child = setting.child
    pep = Pep.objects.get(child=child)
    school_key = next(
        key for key, spec in SECTIONS_BY_KEY.items() if spec.owner == "designated_teacher"
    )
    section = PepSection.objects.get(pep=pep, key=school_key)
    teacher, social_worker = personas.designated_teacher, personas.social_worker
    assert may_edit(teacher, section) and not may_edit(social_worker, section)

    provider = School.objects.create(
        kind=SettingKind.TRAINING_PROVIDER,
        name="Northam Skills Ltd",
        ukprn="10012345",
        has_designated_teacher=False,
        contact_name="Lee Tutor",
    )
    home = School.objects.create(
        kind=SettingKind.HOME_EDUCATION, name="Home education", has_designated_teacher=False
    )
    client.force_login(personas.virtual_school_staff)
    day = {"started_on_0": "5", "started_on_1": "10", "started_on_2": "2026"}
    response = client.post(reverse("school_move", args=[child.pk]), {"school": "10012345", **day})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert child.enrolments.get(ended_on__isnull=True).school == provider
    section.pep.refresh_from_db()
    assert may_edit(social_worker, section)
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert "UKPRN 10012345, Independent training provider" in page
    assert "the social worker owns them, working with the named contact, Lee Tutor" in page

    response = client.post(
        reverse("school_move", args=[child.pk]),
        {"school": f"s{home.pk}", **{**day, "started_on_0": "6"}},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert child.enrolments.get(ended_on__isnull=True).school == home
    assert may_edit(social_worker, section) and not may_edit(teacher, section)

    # Back at a school whose designated teacher does the sections: theirs again.
    school_move(
        actor=personas.virtual_school_staff,
        child=child,
        school=setting.school,
        started_on=dt.date(2026, 10, 7),
    )
    assert may_edit(teacher, section) and not may_edit(social_worker, section)


def test_a_school_that_has_nobody_on_the_portal_leaves_the_sections_to_the_social_worker(
    client,
    personas,
    setting,
):
    school = setting.school
    client.force_login(personas.virtual_school_staff)
    response = client.post(
        reverse("setting_edit", args=[school.pk]),
        # GIAS owns the name and URN: what is typed for them is not even asked.
        {"name": "Renamed", "urn": "999999", "contact_name": "Dana Head"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    school.refresh_from_db()
    assert (school.name, school.urn) == ("Northam High School", setting.school.urn)
    assert (school.has_designated_teacher, school.contact_name) == (False, "Dana Head")
    assert school.history.first().history_user == personas.virtual_school_staff
    section = PepSection.objects.filter(
        pep__child=setting.child,
        key__in=[k for k, s in SECTIONS_BY_KEY.items() if s.owner == "designated_teacher"],
    ).first()
    assert may_edit(personas.social_worker, section)
    assert not may_edit(personas.designated_teacher, section)


def test_gias_schools_of_every_type_and_colleges_are_imported_with_their_kind(db):
    rows = [
        ("100001", "Oak Community School", "Community school"),
        ("100002", "Beech Independent School", "Other independent school"),
        ("100003", "Ash Special School", "Community special school"),
        ("100004", "Elm Pupil Referral Unit", "Pupil referral unit"),
        ("100005", "Pine AP Academy", "Academy alternative provision converter"),
        ("100006", "Northam College", "Further education"),
        ("100007", "Northam Sixth Form College", "Sixth form centres"),
    ]
    data = "URN,EstablishmentName,TypeOfEstablishment (name)\n" + "".join(
        f"{urn},{name},{kind}\n" for urn, name, kind in rows
    )
    parsed = parse_gias_csv(data.encode())
    assert parsed.ok, parsed.errors
    import_schools(parsed.rows)
    got = {s.urn: (s.kind, s.school_type) for s in School.objects.all()}
    assert got == {
        100001: (SettingKind.SCHOOL, SchoolType.MAINTAINED),
        100002: (SettingKind.SCHOOL, SchoolType.INDEPENDENT),
        100003: (SettingKind.SCHOOL, SchoolType.SPECIAL),
        100004: (SettingKind.SCHOOL, SchoolType.PUPIL_REFERRAL_UNIT),
        100005: (SettingKind.SCHOOL, SchoolType.ALTERNATIVE_PROVISION),
        100006: (SettingKind.COLLEGE, SchoolType.POST_16),
        100007: (SettingKind.COLLEGE, SchoolType.POST_16),
    }


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"kind": "early_years", "urn": ""}, "urn", "Ofsted URN (6 digits)"),
        ({"kind": "school", "urn": "12345"}, "urn", "Enter the URN as 6 digits"),
        ({"kind": "school", "urn": "1234567"}, "urn", "at most 6 characters"),
        ({"kind": "school", "urn": "١٢٣٤٥٦"}, "urn", "Enter the URN as 6 digits"),
        ({"kind": "school", "urn": "<b>1</b>"}, "urn", "at most 6 characters"),
        ({"kind": "employer", "ukprn": "20012345"}, "ukprn", "8 digits starting with 1"),
        ({"kind": "employer", "ukprn": "1001234"}, "ukprn", "8 digits starting with 1"),
        ({"kind": "employer", "ukprn": "1001234X"}, "ukprn", "8 digits starting with 1"),
        ({"kind": "employer", "contact_name": ""}, "contact_name", "named contact"),
        ({"kind": "moon_base"}, "kind", "Select a valid choice"),
        ({"kind": "employer", "name": "x" * 5000}, "name", "at most 200 characters"),
        ({"kind": "employer", "name": ""}, "name", "Enter the setting&#x27;s name"),
        ({"kind": "employer", "email": "not an address"}, "email", "valid email"),
        ({"kind": "employer", "contact_name": "Lee\x00Tutor"}, "contact_name", ""),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(client, personas, typed, field, message):
    client.force_login(personas.virtual_school_staff)
    form = _form(name="<script>alert(1)</script> Ltd", contact_name="Lee Tutor")
    form.update(typed)
    response = client.post(reverse("setting_add"), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="#id_{field}' in page
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert not School.objects.filter(kind__in=["employer", "early_years"]).exists()
    assert School.objects.count() == 2  # the personas' schools only


def test_a_duplicate_urn_is_refused(client, personas):
    client.force_login(personas.virtual_school_staff)
    taken = personas.designated_teacher.school.urn
    response = client.post(
        reverse("setting_add"),
        _form(kind="early_years", name="Copycat", urn=str(taken), has_designated_teacher="on"),
    )
    page = response.content.decode()
    assert 'href="#id_urn' in page
    assert "URN already exists" in page
    assert not School.objects.filter(name="Copycat").exists()


@pytest.mark.parametrize("persona", ["social_worker", "designated_teacher", "carer"])
def test_only_the_virtual_school_adds_or_changes_settings(client, personas, persona):
    client.force_login(getattr(personas, persona))
    school = personas.designated_teacher.school
    assert client.get(reverse("setting_list")).status_code == 403
    assert client.post(reverse("setting_add"), _form(kind="neet", name="N")).status_code == 403
    response = client.post(reverse("setting_edit", args=[school.pk]), {"contact_name": "X"})
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.contact_name == "" and not School.objects.filter(name="N").exists()
