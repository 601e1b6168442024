"""Fictional demo data: "Demo Borough", its virtual school, schools, staff, carers and children.

Every name, address and number here is invented. E-mail addresses use the reserved `.example`
domain so nothing can ever be delivered. Running the seed again changes nothing: each row is
found by its natural key and only created when missing.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from children.models import (
    Child,
    Gender,
    LegalStatus,
    PlacementType,
    School,
    SchoolType,
    SenStatus,
    TeacherApproval,
)
from children.school_year import academic_year_start
from children.services import care_team_allocate, child_register, delegation_grant
from children.upn import upn_check_letter
from meetings.services import meeting_arrange
from outcomes.demo import seed_outcomes
from outcomes.models import TermAttendance
from outcomes.scales import SUBJECTS
from outcomes.selectors import pep_term
from outcomes.services import attainment_save_many, attendance_save, key_stage_for_term
from pep_portal.accounts.models import LocalAuthority, User

# The demo accounts' password (README, "Demo logins"). The demo only: production accounts are
# invited, never seeded, and the password rules refuse it when DEBUG is off.
from pep_portal.accounts.password_validation import DEMO_PASSWORD
from pep_portal.accounts.roles import CarerKind, Role
from pep_portal.accounts.services import teacher_approve
from pep_portal.calendars.deadlines import (
    STATUTORY_REVIEW_WINDOWS,
    ReviewWindow,
    financial_year_of,
)
from pep_portal.calendars.demo import seed_demo_calendars
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.selectors import RulesMissing, rules_for_authority
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import Pep, PepSection, Term
from peps.sections import SECTIONS_BY_KEY, Kind, SectionOwner, needed_before_meeting
from peps.selectors import initial_pep_terms
from peps.services import (
    before_meeting_for,
    pep_mark_ready,
    pep_set_up,
    section_mark_complete,
    section_save,
)
from pupil_premium.models import PpAllocation
from quality_assurance.models import QaFramework
from quality_assurance.services import qa_framework_load_preset

# Every demo account's authenticator app key (README, "Demo logins"): the RFC 6238 example key,
# so anyone trying the demo can add it to an authenticator app. The demo only, like the password.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    role: Role
    job_title: str = ""
    authority: str = ""  # authority slug
    school: int = 0  # school URN
    carer_kind: str = ""
    duties: tuple[str, ...] = ()
    # For designated teachers: the authorities (slugs) that approve them for their children.
    approved_by: tuple[str, ...] = ()


AUTHORITIES = [
    {
        "slug": "demo-borough",
        "name": "Demo Borough Council",
        "la_code": "990",
        "virtual_school_name": "Demo Borough Virtual School",
        "virtual_school_email": "virtualschool@demo-borough.example",
    },
    # A second authority shows that each sees only its own data, and that one designated
    # teacher serves children placed from several authorities.
    {
        "slug": "westmoor",
        "name": "Westmoor County Council",
        "la_code": "991",
        "virtual_school_name": "Westmoor Virtual School",
        "virtual_school_email": "virtualschool@westmoor.example",
    },
]

SCHOOLS = [
    {
        "urn": 990101,
        "name": "Meadowbank Primary School",
        "la_code": "990",
        "la_name": "Demo Borough",
        "school_type": SchoolType.MAINTAINED,
        "phase": "Primary",
        "street": "1 Meadow Lane",
        "town": "Demoford",
        "postcode": "DM1 1AA",
        "email": "office@meadowbank-primary.example",
    },
    {
        "urn": 990202,
        "name": "Riverside Academy",
        "la_code": "990",
        "la_name": "Demo Borough",
        "school_type": SchoolType.ACADEMY,
        "phase": "Secondary",
        "street": "20 River Road",
        "town": "Demoford",
        "postcode": "DM2 2BB",
        "email": "office@riverside-academy.example",
    },
]

PEOPLE = [
    DemoPerson(
        "sam.okafor@demo-borough.example",
        "Sam Okafor",
        Role.SOCIAL_WORKER,
        "Social worker, children in care team",
        authority="demo-borough",
    ),
    DemoPerson(
        "priya.shah@demo-borough.example",
        "Priya Shah",
        Role.SOCIAL_WORKER,
        "Senior social worker",
        authority="demo-borough",
    ),
    DemoPerson(
        "alex.morgan@demo-borough.example",
        "Alex Morgan",
        Role.VIRTUAL_SCHOOL_STAFF,
        "Virtual school adviser",
        authority="demo-borough",
        duties=("adviser",),
    ),
    DemoPerson(
        "quinn.baker@demo-borough.example",
        "Quinn Baker",
        Role.VIRTUAL_SCHOOL_STAFF,
        "PEP quality assurance officer",
        authority="demo-borough",
        duties=("quality_assurer",),
    ),
    DemoPerson(
        "val.turner@demo-borough.example",
        "Val Turner",
        Role.VIRTUAL_SCHOOL_STAFF,
        "Virtual school business manager",
        authority="demo-borough",
        duties=("administrator", "adviser"),
    ),
    DemoPerson(
        "ira.hughes@demo-borough.example",
        "Ira Hughes",
        Role.INDEPENDENT_REVIEWING_OFFICER,
        "Independent reviewing officer",
        authority="demo-borough",
    ),
    DemoPerson(
        "ada.lewis@demo-borough.example",
        "Ada Lewis",
        Role.AUTHORITY_ADMINISTRATOR,
        "Systems administrator, children's services",
        authority="demo-borough",
    ),
    DemoPerson(
        "fran.ellis@demo-borough.example",
        "Fran Ellis",
        Role.CARER,
        "Foster carer",
        authority="demo-borough",
        carer_kind=CarerKind.FOSTER_CARER,
    ),
    DemoPerson(
        "rob.patel@demo-borough.example",
        "Rob Patel",
        Role.CARER,
        "Residential support worker, Oak House",
        authority="demo-borough",
        carer_kind=CarerKind.RESIDENTIAL_STAFF,
    ),
    DemoPerson(
        "dana.reid@meadowbank-primary.example",
        "Dana Reid",
        Role.DESIGNATED_TEACHER,
        "Designated teacher for children in care",
        school=990101,
        approved_by=("demo-borough",),
    ),
    DemoPerson(
        "tom.clarke@riverside-academy.example",
        "Tom Clarke",
        Role.DESIGNATED_TEACHER,
        "Assistant head, designated teacher",
        school=990202,
        approved_by=("demo-borough", "westmoor"),
    ),
    DemoPerson(
        "jo.singh@riverside-academy.example",
        "Jo Singh",
        Role.DELEGATED_SCHOOL_STAFF,
        "SENCo",
        school=990202,
    ),
    DemoPerson(
        "wendy.price@westmoor.example",
        "Wendy Price",
        Role.VIRTUAL_SCHOOL_STAFF,
        "Virtual school head",
        authority="westmoor",
        duties=("adviser", "administrator"),
    ),
    DemoPerson(
        "will.jones@westmoor.example",
        "Will Jones",
        Role.SOCIAL_WORKER,
        "Social worker",
        authority="westmoor",
    ),
]


def _upn(body12: str) -> str:
    return upn_check_letter(body12) + body12


def _children(today: dt.date) -> list[dict[str, Any]]:
    """Children of each PEP template. Birth dates follow the current school year, so the demo
    always has an EYFS, a primary, a secondary and a post-16 child."""
    start = academic_year_start(today)

    def born(age_on_31_august: int, month: int, day: int) -> dt.date:
        # The age a child is on 31 August fixes their school year (children.school_year).
        year = start - age_on_31_august - (1 if (month, day) > (8, 31) else 0)
        return dt.date(year, month, day)

    def days_ago(n: int) -> dt.date:
        return today - dt.timedelta(days=n)

    return [
        {
            "details": {
                "social_care_id": "DB-10001",
                "legal_first_name": "Lily",
                "legal_last_name": "Hart",
                "date_of_birth": born(4, 11, 3),
                "gender": Gender.FEMALE,
                "ethnicity": "White British",
                "first_language": "English",
                "upn": _upn("990101221001"),
            },
            "authority": "demo-borough",
            "entered_care_on": days_ago(40),
            "emergency": True,
            "legal_status": LegalStatus.INTERIM_CARE_ORDER,
            "placement": PlacementType.FOSTER,
            "setting": "The Ellis family",
            "carers": ["fran.ellis@demo-borough.example"],
            "school": 990101,
            "social_worker": "sam.okafor@demo-borough.example",
            "iro": "ira.hughes@demo-borough.example",
        },
        {
            "details": {
                "social_care_id": "DB-10002",
                "legal_first_name": "Mohammed",
                "legal_last_name": "Rahman",
                "preferred_name": "Mo",
                "date_of_birth": born(8, 5, 14),
                "gender": Gender.MALE,
                "ethnicity": "Bangladeshi",
                "first_language": "Bengali",
                "sen_status": SenStatus.SEN_SUPPORT,
                "upn": _upn("990101181002"),
            },
            "authority": "demo-borough",
            "entered_care_on": days_ago(700),
            "emergency": False,
            "legal_status": LegalStatus.CARE_ORDER,
            "placement": PlacementType.FOSTER,
            "setting": "The Ellis family",
            "carers": ["fran.ellis@demo-borough.example"],
            "school": 990101,
            "social_worker": "sam.okafor@demo-borough.example",
        },
        {
            "details": {
                "social_care_id": "DB-10003",
                "legal_first_name": "Chloe",
                "legal_last_name": "O'Neill",
                "date_of_birth": born(14, 2, 20),
                "gender": Gender.FEMALE,
                "ethnicity": "White Irish",
                "first_language": "English",
                "sen_status": SenStatus.EHCP,
                "ehcp_date": dt.date(start - 2, 3, 1),
                "upn": _upn("990202121003"),
            },
            "authority": "demo-borough",
            "entered_care_on": days_ago(1200),
            "emergency": False,
            "legal_status": LegalStatus.CARE_ORDER,
            "placement": PlacementType.RESIDENTIAL,
            "setting": "Oak House",
            "carers": ["rob.patel@demo-borough.example"],
            "school": 990202,
            "social_worker": "priya.shah@demo-borough.example",
            "iro": "ira.hughes@demo-borough.example",
            "delegate": (
                "tom.clarke@riverside-academy.example",
                "jo.singh@riverside-academy.example",
            ),
        },
        {
            # No school place: shown prominently, and the social worker writes the PEP.
            "details": {
                "social_care_id": "DB-10004",
                "legal_first_name": "Jayden",
                "legal_last_name": "Brooks-Walker",
                "date_of_birth": born(16, 6, 30),
                "gender": Gender.MALE,
                "ethnicity": "Mixed White and Black Caribbean",
                "first_language": "English",
            },
            "authority": "demo-borough",
            "entered_care_on": days_ago(90),
            "emergency": False,
            "legal_status": LegalStatus.SECTION_20,
            "placement": PlacementType.SEMI_INDEPENDENT,
            "setting": "Maple Court supported lodgings",
            "carers": [],
            "school": None,
            "social_worker": "priya.shah@demo-borough.example",
        },
        {
            # Placed out of area: a Westmoor child at a Demo Borough school, so Riverside's
            # designated teacher serves children of two authorities with one login.
            "details": {
                "social_care_id": "WM-20001",
                "legal_first_name": "Amara",
                "legal_last_name": "Okoye",
                "date_of_birth": born(12, 9, 12),
                "gender": Gender.FEMALE,
                "ethnicity": "Black African",
                "first_language": "English",
            },
            "authority": "westmoor",
            "entered_care_on": days_ago(300),
            "emergency": False,
            "legal_status": LegalStatus.CARE_ORDER,
            "placement": PlacementType.FOSTER,
            "setting": "Independent fostering agency carers",
            "carers": [],
            "school": 990202,
            "social_worker": "will.jones@westmoor.example",
        },
    ]


def _user(email: str | None) -> User | None:
    return User.objects.get(email=email) if email else None


def _seed_authorities(today: dt.date) -> tuple[dict[str, LocalAuthority], int]:
    """The authorities, each with its PEP rules, term dates, QA framework and PP+ allocation."""
    authorities = {}
    made_count = 0
    for fields in AUTHORITIES:
        authority, made = LocalAuthority.objects.get_or_create(slug=fields["slug"], defaults=fields)
        authorities[authority.slug] = authority
        made_count += made
    # Each authority's PEP rules and term dates, as a real one would load them.
    for slug, preset in (("demo-borough", "medway"), ("westmoor", "walsall")):
        if not PepRuleSet.objects.filter(authority=authorities[slug]).exists():
            rule_set_load_preset(preset=preset, slug=slug)
        seed_demo_calendars(authorities[slug], today=today)
    # How each virtual school rates PEPs, and its Pupil Premium Plus per child this year.
    for slug, preset in (("demo-borough", "good_ri_inadequate"), ("westmoor", "ggar")):
        if not QaFramework.objects.filter(authority=authorities[slug]).exists():
            qa_framework_load_preset(authority=authorities[slug], preset=preset)
        PpAllocation.objects.get_or_create(
            authority=authorities[slug],
            financial_year=financial_year_of(today).start_year,
            defaults={"amount_per_child": Decimal("2570.00")},
        )
    return authorities, made_count


def _seed_people(authorities: dict[str, LocalAuthority], schools: dict[int, School]) -> int:
    made = 0
    for person in PEOPLE:
        if User.objects.with_address(person.email).exists():
            continue
        User.objects.create_user(
            person.email,
            DEMO_PASSWORD,
            full_name=person.full_name,
            role=person.role,
            job_title=person.job_title,
            authority=authorities.get(person.authority),
            school=schools.get(person.school),
            carer_kind=person.carer_kind,
            is_vs_adviser="adviser" in person.duties,
            is_vs_quality_assurer="quality_assurer" in person.duties,
            is_vs_administrator="administrator" in person.duties,
        )
        made += 1
    # A password alone reaches no page: every demo account has the demo authenticator key.
    for user in User.objects.filter(email__in=[p.email for p in PEOPLE]):
        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name="Authenticator app", key=DEMO_TOTP_KEY, confirmed=True
            )
    return made


def _seed_approvals(registrars: dict[str, Any]) -> None:
    # Each authority approves the designated teachers who serve its children (Riverside's
    # teacher serves both authorities with one login).
    for person in PEOPLE:
        for slug in person.approved_by:
            teacher = User.objects.get(email__iexact=person.email)
            registrar = registrars[slug]
            if not TeacherApproval.objects.filter(
                authority_id=registrar.authority_id,
                teacher=teacher,
                school_id=teacher.school_id,
                withdrawn_at__isnull=True,
            ).exists():
                teacher_approve(actor=registrar, teacher=teacher)


# Demo children who entered care within this many days are new to care.
NEW_TO_CARE_DAYS = 60


def _seed_children(today: dt.date, registrars: dict[str, Any], schools: dict[int, School]) -> int:
    # Children are registered through the same services staff use, so their care teams and
    # access are derived exactly as in real use.
    made = 0
    for spec in _children(today):
        details = spec["details"]
        if Child.objects.filter(social_care_id=details["social_care_id"]).exists():
            continue
        registrar = registrars[spec["authority"]]
        child = child_register(
            actor=registrar,
            details=details,
            entered_care_on=spec["entered_care_on"],
            emergency_placement=spec["emergency"],
            legal_status=spec["legal_status"],
            placement_type=spec["placement"],
            setting_name=spec["setting"],
            carers=[_user(email) for email in spec["carers"]],
            school=schools.get(spec["school"]),
            enrolled_on=spec["entered_care_on"],
            social_worker=_user(spec["social_worker"]),
            virtual_school_adviser=registrar,
            # Lily has just entered care (an emergency) and gets her initial PEP; the others
            # have been in care for months or years, so their termly PEPs follow.
            initial_pep=spec["entered_care_on"] >= today - dt.timedelta(days=NEW_TO_CARE_DAYS),
        )
        if spec.get("iro"):
            care_team_allocate(
                actor=registrar,
                child=child,
                social_worker=child.social_worker,
                virtual_school_adviser=child.virtual_school_adviser,
                independent_reviewing_officer=_user(spec["iro"]),
            )
        if spec.get("delegate"):
            teacher, colleague = spec["delegate"]
            delegation_grant(actor=_user(teacher), child=child, delegate=_user(colleague))
        made += 1
    return made


@transaction.atomic
def seed_demo(*, today: dt.date | None = None) -> dict[str, int]:
    """Create whatever demo rows are missing; return how many of each kind were created."""
    today = today or timezone.localdate()
    created = {"authorities": 0, "schools": 0, "people": 0, "children": 0, "peps": 0}
    authorities, created["authorities"] = _seed_authorities(today)
    schools = {}
    for fields in SCHOOLS:
        school, made = School.objects.get_or_create(urn=fields["urn"], defaults=fields)
        schools[school.urn] = school
        created["schools"] += made
    created["people"] = _seed_people(authorities, schools)
    registrars = {
        "demo-borough": _user("val.turner@demo-borough.example"),
        "westmoor": _user("wendy.price@westmoor.example"),
    }
    _seed_approvals(registrars)
    created["children"] = _seed_children(today, registrars, schools)
    created["peps"] = _seed_peps(today)
    # Attendance, suspensions and attainment across terms, through the services (with the
    # alerts they raise), so the child's page and the outcomes dashboard show something.
    ids = [spec["details"]["social_care_id"] for spec in _children(today)]
    created["education_records"] = seed_outcomes(
        list(Child.objects.filter(social_care_id__in=ids).order_by("pk")),
        today=today,
        through_services=True,
        # Every kind of attendance among the five children: two attend well.
        patterns=("good", "persistent", "good", "severe", "persistent"),
    )
    return created


def _fill(section: PepSection, actor: User, *, complete: bool) -> PepSection:
    """Answer every question of a section with fictional, plausible text."""
    spec = SECTIONS_BY_KEY[section.key]
    if spec.has_records:
        _record_education(section.pep)
    answers: dict[str, object] = {}
    for field in spec.fields_for(section.pep.template):
        if field.kind == Kind.RECORDS:
            continue  # answered by the records above
        if field.kind == Kind.YES_NO:
            answers[field.name] = "no" if field.name in DEMO_NO else "yes"
        elif field.kind == Kind.CHOICE:
            answers[field.name] = field.choices[min(1, len(field.choices) - 1)][0]
        elif field.kind == Kind.NUMBER:
            answers[field.name] = 94 if "percent" in field.name else int(field.minimum or 0)
        elif field.kind == Kind.DATE:
            answers[field.name] = ""
        else:
            answers[field.name] = DEMO_TEXT.get(field.name, "Discussed and agreed at school.")
    section = section_save(
        actor=actor,
        section=section,
        answers=answers,
        base_version=section.version,
        confirm_carried=True,
    )
    return section_mark_complete(actor=actor, section=section) if complete else section


# Questions the demo answers No (so no suspension or part-time timetable is expected).
DEMO_NO = frozenset({"pp_requested", "suspended_or_excluded", "part_time_timetable"})


def _record_education(pep: Pep) -> None:
    """The PEP's term's attendance (in sessions) and attainment on the child's key stage's
    scale, as a school would record them, so its structured questions are answered."""
    which = pep_term(pep)
    if which is None:
        return
    year, term = which
    child = pep.child
    if not TermAttendance.objects.filter(child=child, academic_year=year, term=term).exists():
        attendance_save(
            actor=None,
            child=child,
            academic_year=year,
            term=term,
            possible=120,
            present=112,
            authorised=6,
            unauthorised=2,
        )
    stage = key_stage_for_term(child, year)
    if stage is None:
        return
    values: dict[str, dict[str, Any]] = {}
    for subject in SUBJECTS[stage][:4]:
        for question in subject.fields:
            if question.kind in (Kind.CHOICE, Kind.YES_NO):
                choices = question.choices or (("yes", "Yes"),)
                values.setdefault(subject.key, {})[question.name] = choices[
                    min(1, len(choices) - 1)
                ][0]
            elif question.kind == Kind.NUMBER:
                values.setdefault(subject.key, {})[question.name] = int(question.maximum or 0) // 2
            else:
                values.setdefault(subject.key, {})[question.name] = "Demo course"
    attainment_save_many(
        actor=None,
        child=child,
        academic_year=year,
        term=term,
        key_stage=stage,
        values_by_subject=values,
    )


DEMO_TEXT = {
    "comments": "Settling well into the class; enjoys reading with an adult every morning.",
    "going_well": "I like art and my new friend Sam.",
    "hard": "Maths when it is fractions.",
    "helps": "When Miss explains it again on my own.",
    "aspirations": "I want to be a vet.",
    "progress_summary": "Good progress in reading; maths is steady with support.",
}


def _windows(child: Child) -> tuple[ReviewWindow, ...]:
    try:
        return rules_for_authority(child.authority).review_windows
    except RulesMissing:
        return STATUTORY_REVIEW_WINDOWS


def _seed_peps(today: dt.date) -> int:
    """The current term's PEP for each demo child, at different points of the workflow."""
    year = academic_year_start(today)
    term = Term.AUTUMN if today.month >= 9 else Term.SPRING if today.month <= 3 else Term.SUMMER
    made = 0
    for social_care_id in ("DB-10001", "DB-10002", "DB-10003", "DB-10004", "WM-20001"):
        child = Child.objects.get(social_care_id=social_care_id)
        if Pep.objects.filter(child=child, academic_year=year, term=term).exists():
            continue
        if (year, term) in initial_pep_terms(_windows(child), [child.pk]).get(child.pk, ()):
            continue  # Lily: her initial PEP is this term's PEP
        registrar = User.objects.get(
            email="val.turner@demo-borough.example"
            if child.authority.slug == "demo-borough"
            else "wendy.price@westmoor.example"
        )
        pep = pep_set_up(actor=registrar, child=child, academic_year=year, term=term)
        made += 1
        teacher = User.objects.filter(
            role=Role.DESIGNATED_TEACHER,
            school__enrolments__child=child,
            school__enrolments__ended_on__isnull=True,
        ).first()
        if social_care_id == "DB-10002" and teacher:
            # Mo: the school's sections are done; the meeting can go ahead.
            wanted = before_meeting_for(pep)
            for section in pep.sections.all():
                spec = SECTIONS_BY_KEY[section.key]
                if needed_before_meeting(spec, wanted):
                    owner = (
                        teacher
                        if spec.owner is not SectionOwner.SOCIAL_WORKER
                        else child.social_worker
                    )
                    _fill(section, owner, complete=True)
            pep_mark_ready(actor=teacher, pep=pep)
            meeting_arrange(
                actor=child.social_worker,
                pep=pep,
                starts_at=timezone.make_aware(
                    dt.datetime.combine(today + dt.timedelta(days=9), dt.time(10, 0))
                ),
                venue_details="Meadowbank Primary, meeting room 2",
            )
        elif social_care_id == "DB-10003" and teacher:
            # Chloe: half-way through, the child's views recorded, not yet complete.
            _fill(pep.sections.get(key="teacher_comments"), teacher, complete=True)
            _fill(pep.sections.get(key="child_voice"), teacher, complete=False)
    return made
