"""A large fictional authority, fast: `manage.py seed_demo --children N [--authorities K]`.

For benchmarks and trying the portal at a large authority's scale (README, "Performance").
Each authority ("Bulk Borough 1", …) gets N children in care with their episodes, placements
and carers, school places, three terms of PEPs (the two before this one signed off, this
one at every point of the workflow) with answered sections, meetings with attendees and
targets, QA reviews, Pupil Premium Plus requests and notifications, and the staff who work
with them (a social worker has about 30 children, a designated teacher about 25).

The rows are written in bulk, not one service call at a time, but with the values the
services write:
- the termly PEPs through `peps.services.pep_set_up_many` (the termly set-up's own batch);
- answers built from the section definitions and checked by them (`check_answers`);
- the care-team access rows by `children.access.sync_child_access`, the one writer, so
  `manage.py check_access` finds nothing to repair;
- the unread counts by `notifications.services.recount_unread_of`.
Everything is invented; addresses use the reserved `.example` domain.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from children.access import sync_child_access
from children.models import (
    CareEpisode,
    Child,
    Enrolment,
    Gender,
    LegalStatus,
    Placement,
    PlacementType,
    School,
    SchoolType,
    TeacherApproval,
)
from children.school_year import PepTemplate, academic_year_start, year_group_on
from meetings.models import Attendee, AttendeeRole, Meeting, MeetingStatus, Target
from outcomes.demo import seed_outcomes
from outcomes.models import ExclusionEvent, PartTimeTimetable, term_bounds
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.password_validation import DEMO_PASSWORD
from pep_portal.accounts.roles import CarerKind, Role
from pep_portal.audit.services import history_copy_from_rows
from pep_portal.calendars.deadlines import financial_year_of
from pep_portal.calendars.demo import seed_demo_calendars
from pep_portal.calendars.selectors import rules_for_authority
from pep_portal.calendars.services import rule_set_load_preset
from pep_portal.notifications.models import Kind as NotificationKind
from pep_portal.notifications.models import Notification, Stage
from pep_portal.notifications.services import recount_unread_of
from peps.models import Pep, PepEvent, PepSection, PepSnapshot, PepStatus, SectionStatus, Term
from peps.sections import SECTIONS_BY_KEY, Kind, check_answers
from peps.services import pep_set_up_many
from pupil_premium.models import PpAllocation, PpRequest, PpStatus
from quality_assurance.models import QaDecision, QaFramework, QaReview
from quality_assurance.services import qa_framework_load_preset

DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # as pep_portal.demo

# How many children each member of staff works with (the large authority).
CHILDREN_PER_SOCIAL_WORKER = 30
CHILDREN_PER_SCHOOL = 25
CHILDREN_PER_CARER = 2
CHILDREN_PER_IRO = 50
CHILDREN_PER_ADVISER = 500
CHILDREN_PER_QUALITY_ASSURER = 1500

# This term's PEPs, by how far they have gone (shares out of 100, in workflow order).
CURRENT_TERM_MIX = (
    (PepStatus.DRAFT, 25),
    (PepStatus.IN_PROGRESS, 25),
    (PepStatus.READY_FOR_MEETING, 15),
    (PepStatus.MEETING_HELD, 10),
    (PepStatus.SUBMITTED, 12),
    (PepStatus.RETURNED, 5),
    (PepStatus.SIGNED_OFF, 8),
)
WORKFLOW = (
    PepStatus.DRAFT,
    PepStatus.IN_PROGRESS,
    PepStatus.READY_FOR_MEETING,
    PepStatus.MEETING_HELD,
    PepStatus.SUBMITTED,
    PepStatus.SIGNED_OFF,
)
MET = frozenset(
    {PepStatus.MEETING_HELD, PepStatus.SUBMITTED, PepStatus.RETURNED, PepStatus.SIGNED_OFF}
)
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hal",
    "Isla",
    "Jas",
    "Kit",
    "Lev",
    "Mia",
    "Noa",
    "Oli",
    "Pia",
    "Quin",
    "Rae",
    "Sol",
    "Tia",
    "Uma",
    "Vic",
    "Wyn",
    "Xan",
    "Yas",
    "Zac",
    "Amir",
    "Bea",
    "Cal",
    "Dina",
    "Ezra",
    "Finn",
    "Gio",
    "Hana",
    "Ivo",
    "Jude",
    "Kemi",
    "Lola",
    "Milo",
    "Nell",
]
LAST_NAMES = [
    "Arden",
    "Brook",
    "Carver",
    "Dale",
    "Ember",
    "Frost",
    "Glade",
    "Heath",
    "Ivory",
    "Jasper",
    "Kestrel",
    "Linden",
    "Marsh",
    "Norland",
    "Orchard",
    "Pike",
    "Quarry",
    "Rowan",
    "Sedge",
    "Thorne",
    "Upton",
    "Vale",
    "Willow",
    "Yarrow",
]


def _say(report: Callable[[str], None] | None, started: float, what: str) -> None:
    if report is not None:
        report(f"  {time.perf_counter() - started:6.1f} s  {what}")


def _terms(today: dt.date) -> list[tuple[int, str]]:
    """This term and the two before it, oldest first: [(academic year, term code)]."""
    year = academic_year_start(today)
    code = Term.AUTUMN if today.month >= 9 else Term.SPRING if today.month <= 3 else Term.SUMMER
    order = [Term.AUTUMN, Term.SPRING, Term.SUMMER]
    index = year * 3 + order.index(code)
    return [(i // 3, order[i % 3].value) for i in range(index - 2, index + 1)]


def _answers(
    template: str,
    key: str,
    *,
    pp_amount: int | None = None,
    kept: frozenset[str] = frozenset(),
) -> dict[str, object]:
    """Every question of a section answered with plausible fictional words, checked by the
    section definitions (the one home of what an answer may be). `kept`: the yes/no questions
    whose records were seeded for the PEP's term (RECORDS_ASKED), answered Yes to agree."""
    spec = SECTIONS_BY_KEY[key]
    answers: dict[str, object] = {}
    for field in spec.fields_for(PepTemplate(template)):
        if field.kind == Kind.RECORDS:
            continue  # answered by the outcomes records, never typed
        if field.kind == Kind.YES_NO:
            wanted = "yes" if field.name == "pp_requested" and pp_amount else "no"
            # A suspension or part-time timetable only where one is recorded in the term.
            no = field.name in ("pp_requested", "suspended_or_excluded", "part_time_timetable")
            answers[field.name] = "yes" if field.name in kept else wanted if no else "yes"
        elif field.kind == Kind.CHOICE:
            answers[field.name] = field.choices[min(1, len(field.choices) - 1)][0]
        elif field.kind == Kind.NUMBER:
            if field.name == "pp_amount":
                if pp_amount:
                    answers[field.name] = pp_amount
                continue
            answers[field.name] = 94 if "percent" in field.name else int(field.minimum or 0)
        elif field.kind == Kind.DATE:
            answers[field.name] = ""
        elif field.name.startswith("pp_") and not pp_amount:
            continue
        elif field.kind == Kind.TEXT:
            answers[field.name] = "Agreed at the PEP meeting."
        else:
            answers[field.name] = (
                "Settled at school and making steady progress; reading with an adult each "
                "morning and a weekly catch-up with the designated teacher."
            )
    cleaned, errors = check_answers(spec, PepTemplate(template), answers)
    if errors:  # pragma: no cover (the definitions changed: say which)
        raise ValueError(f"bulk answers for {template}/{key} refused: {errors}")
    return cleaned


def _records_kept(peps: Iterable[Pep]) -> dict[int, frozenset[str]]:
    """For each PEP, the attendance section's yes/no questions whose records (seeded before
    the PEPs: seed_outcomes) fall in its term: a suspension that started in it, a part-time
    timetable running in it. Two queries, whatever the number of PEPs."""
    peps = list(peps)
    children = {p.child_id for p in peps}
    started: dict[int, list[dt.date]] = {}
    for child_id, day in ExclusionEvent.objects.filter(child_id__in=children).values_list(
        "child_id", "started_on"
    ):
        started.setdefault(child_id, []).append(day)
    running: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for child_id, first, last in PartTimeTimetable.objects.filter(
        child_id__in=children
    ).values_list("child_id", "started_on", "ended_on"):
        running.setdefault(child_id, []).append((first, last))
    kept: dict[int, frozenset[str]] = {}
    for pep in peps:
        if pep.term == Term.INITIAL:
            continue
        first, last = term_bounds(pep.academic_year, pep.term)
        names: set[str] = set()
        if any(first <= day <= last for day in started.get(pep.child_id, [])):
            names.add("suspended_or_excluded")
        if any(
            began <= last and (ended is None or ended >= first)
            for began, ended in running.get(pep.child_id, [])
        ):
            names.add("part_time_timetable")
        kept[pep.pk] = frozenset(names)
    return kept


def _copy_in(model: type[Model], records: list[Any]) -> list[Any]:
    """New rows, as bulk_create writes them (their ids set on the records), but by COPY: the ids
    taken from the table's sequence in one query, the rows streamed in one statement. Django's
    bulk_create spends longer building its INSERTs than PostgreSQL spends on them (most of the
    seed's time went there). Values as save() writes them: auto_now(_add) dates set by the
    field, JSON as its text (SQL NULL for None)."""
    if not records:
        return records
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(records)],
        )
        for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
            record.pk = pk
            record._state.adding, record._state.db = False, connection.alias
    fields = meta.concrete_fields
    stamped = {
        i
        for i, f in enumerate(fields)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    as_json = {i for i, f in enumerate(fields) if isinstance(f, JSONField)}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for record in records:
            row = [
                f.pre_save(record, True) if i in stamped else getattr(record, f.attname)
                for i, f in enumerate(fields)
            ]
            for i in as_json:
                row[i] = None if row[i] is None else json.dumps(row[i])
            copy.write_row(row)
    return records


def _update_from_arrays(
    model: type[Model], ids: Sequence[int], columns: dict[str, tuple[str, list[Any]]]
) -> None:
    """UPDATE many rows, each to its own values: COPY them into a temporary table, then one
    UPDATE … FROM it."""
    if not ids:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = list(columns)
    typed = ", ".join(f"{quote(n)} {columns[n][0]}" for n in names)
    sets = ", ".join(f"{quote(n)} = v.{quote(n)}" for n in names)
    listed = ", ".join(quote(n) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_values (id bigint, {typed}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY bulk_values (id, {listed}) FROM STDIN") as copy:
            for row in zip(ids, *[columns[n][1] for n in names], strict=True):
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} AS t SET {sets} FROM bulk_values AS v WHERE t.id = v.id"  # noqa: S608 (names from models)
        )
        cursor.execute("DROP TABLE bulk_values")


def _authority(number: int, today: dt.date) -> LocalAuthority:
    slug = f"bulk-{number}"
    authority, _ = LocalAuthority.objects.get_or_create(
        slug=slug,
        defaults={
            "name": f"Bulk Borough {number} Council",
            "la_code": f"{800 + number:03d}",
            "virtual_school_name": f"Bulk Borough {number} Virtual School",
            "virtual_school_email": f"virtualschool@{slug}.example",
        },
    )
    rule_set_load_preset(preset="medway", slug=slug)
    seed_demo_calendars(authority, today=today)
    if not QaFramework.objects.filter(authority=authority).exists():
        qa_framework_load_preset(authority=authority, preset="good_ri_inadequate")
    PpAllocation.objects.get_or_create(
        authority=authority,
        financial_year=financial_year_of(today).start_year,
        defaults={"amount_per_child": Decimal("2570.00")},
    )
    return authority


class _People:
    """The authority's staff and carers, made in bulk, by role."""

    def __init__(self, authority: LocalAuthority, schools: list[School], children: int) -> None:
        self.authority = authority
        slug = authority.slug
        password = make_password(DEMO_PASSWORD)  # hashed once, for every account
        rows: list[User] = []

        def add(key: str, role: str, count: int, title: str, **extra: Any) -> None:
            extra.setdefault("authority", authority)
            for i in range(count):
                rows.append(
                    User(
                        email=f"{key}.{i + 1}@{slug}.example",
                        full_name=f"{FIRST_NAMES[i % 40]} {LAST_NAMES[(i // 40) % 24]}",
                        password=password,
                        role=role,
                        job_title=title,
                        **extra,
                    )
                )

        add(
            "head",
            Role.VIRTUAL_SCHOOL_STAFF,
            1,
            "Virtual school head",
            is_vs_adviser=True,
            is_vs_administrator=True,
            is_vs_quality_assurer=True,
        )
        advisers = max(1, children // CHILDREN_PER_ADVISER)
        add(
            "adviser",
            Role.VIRTUAL_SCHOOL_STAFF,
            advisers,
            "Virtual school adviser",
            is_vs_adviser=True,
        )
        add(
            "qa",
            Role.VIRTUAL_SCHOOL_STAFF,
            max(1, children // CHILDREN_PER_QUALITY_ASSURER),
            "PEP quality assurance officer",
            is_vs_quality_assurer=True,
        )
        add("admin", Role.AUTHORITY_ADMINISTRATOR, 1, "Systems administrator")
        add(
            "social-worker",
            Role.SOCIAL_WORKER,
            max(1, children // CHILDREN_PER_SOCIAL_WORKER),
            "Social worker",
        )
        add(
            "iro",
            Role.INDEPENDENT_REVIEWING_OFFICER,
            max(1, children // CHILDREN_PER_IRO),
            "Independent reviewing officer",
        )
        add(
            "carer",
            Role.CARER,
            max(1, children // CHILDREN_PER_CARER),
            "Foster carer",
            carer_kind=CarerKind.FOSTER_CARER,
        )
        teachers_from = len(rows)
        add("teacher", Role.DESIGNATED_TEACHER, len(schools), "Designated teacher", authority=None)
        for i, user in enumerate(rows[teachers_from:]):
            user.school = schools[i]
            user.email = f"teacher.{i + 1}@school-{schools[i].urn}.example"
        existing = set(
            User.objects.filter(email__in=[u.email for u in rows]).values_list("email", flat=True)
        )
        User.objects.bulk_create([u for u in rows if u.email not in existing], batch_size=2000)
        mine = User.objects.filter(email__in=[u.email for u in rows]).order_by("pk")
        self.by_role: dict[str, list[User]] = {}
        for user in mine:
            self.by_role.setdefault(user.email.split(".")[0], []).append(user)
        have_device = set(
            TOTPDevice.objects.filter(user__in=mine).values_list("user_id", flat=True)
        )
        TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(user=u, name="Authenticator app", key=DEMO_TOTP_KEY, confirmed=True)
                for u in mine
                if u.pk not in have_device and not u.email.startswith("carer.")
            ],
            batch_size=2000,
        )

    def __getitem__(self, kind: str) -> list[User]:
        return self.by_role.get(kind, [])


def _schools(authority: LocalAuthority, number: int, count: int) -> list[School]:
    urns = [7_000_000 + number * 100_000 + i for i in range(count)]
    have = set(School.objects.filter(urn__in=urns).values_list("urn", flat=True))
    School.objects.bulk_create(
        [
            School(
                urn=urn,
                name=f"{LAST_NAMES[i % 24]} {'Primary School' if i % 3 else 'Academy'} {i + 1}",
                la_code=authority.la_code,
                la_name=authority.name.removesuffix(" Council"),
                school_type=SchoolType.MAINTAINED if i % 3 else SchoolType.ACADEMY,
                phase="Primary" if i % 3 else "Secondary",
                town="Bulkford",
                email=f"office@school-{urn}.example",
            )
            for i, urn in enumerate(urns)
            if urn not in have
        ],
        batch_size=2000,
    )
    return list(School.objects.filter(urn__in=urns).order_by("urn"))


def _children(
    authority: LocalAuthority,
    count: int,
    people: _People,
    schools: list[School],
    today: dt.date,
    rng: random.Random,
) -> list[Child]:
    """Children aged 4 to 17 in care since before this term, with a placement, carers (most)
    and a school place (all but a few)."""
    existing = Child.objects.filter(authority=authority).count()
    social_workers, advisers, iros = (
        people["social-worker"],
        people["adviser"],
        people["iro"],
    )
    carers = people["carer"]
    term_start = dt.date(academic_year_start(today) - 1, 1, 5)
    made = []
    for i in range(existing, count):
        made.append(
            Child(
                authority=authority,
                legal_first_name=FIRST_NAMES[rng.randrange(40)],
                legal_last_name=LAST_NAMES[rng.randrange(24)],
                date_of_birth=today - dt.timedelta(days=rng.randint(5 * 365, 17 * 365)),
                gender=Gender.FEMALE if i % 2 else Gender.MALE,
                social_care_id=f"{authority.la_code}-{i + 1:06d}",
                first_language="English",
                social_worker=social_workers[i % len(social_workers)],
                virtual_school_adviser=advisers[i % len(advisers)],
                independent_reviewing_officer=iros[i % len(iros)],
            )
        )
    made = _copy_in(Child, made)
    now = timezone.now()
    history_copy_from_rows(Child, [c.pk for c in made], now, "+")
    _copy_in(
        CareEpisode,
        [
            CareEpisode(
                child=c,
                started_on=term_start - dt.timedelta(days=rng.randint(0, 5 * 365)),
                legal_status=LegalStatus.CARE_ORDER if i % 5 else LegalStatus.SECTION_20,
            )
            for i, c in enumerate(made)
        ],
    )
    placements = _copy_in(
        Placement,
        [
            Placement(
                child=c,
                started_on=term_start - dt.timedelta(days=rng.randint(0, 365)),
                placement_type=PlacementType.FOSTER if i % 10 else PlacementType.RESIDENTIAL,
                setting_name=f"The {c.legal_last_name} family" if i % 10 else "Oak House",
            )
            for i, c in enumerate(made)
        ],
    )
    through = Placement.carers.through
    _copy_in(
        through,
        [
            through(placement_id=p.pk, user_id=carers[(existing + i) // CHILDREN_PER_CARER].pk)
            for i, p in enumerate(placements)
            if (existing + i) // CHILDREN_PER_CARER < len(carers) and i % 10
        ],
    )
    _copy_in(
        Enrolment,
        [
            Enrolment(
                child=c,
                school=schools[((existing + i) // CHILDREN_PER_SCHOOL) % len(schools)],
                started_on=term_start,
            )
            for i, c in enumerate(made)
            if (existing + i) % 50 != 49  # one child in fifty has no school place
        ],
    )
    return list(
        Child.objects.filter(authority=authority).select_related("authority").order_by("pk")
    )


def _approvals(authority: LocalAuthority, people: _People) -> None:
    head = people["head"][0]
    have = set(
        TeacherApproval.objects.filter(authority=authority, withdrawn_at__isnull=True).values_list(
            "teacher_id", flat=True
        )
    )
    TeacherApproval.objects.bulk_create(
        [
            TeacherApproval(authority=authority, teacher=t, school=t.school, approved_by=head)
            for t in people["teacher"]
            if t.pk not in have
        ],
        batch_size=2000,
    )


def _current_term_cycle() -> list[str]:
    """This term's statuses in a fixed cycle of 100 with the mix's shares, every status once
    in the first seven: any seven children in a row cover the whole workflow."""
    cycle = [status.value for status, _ in CURRENT_TERM_MIX]
    for status, share in CURRENT_TERM_MIX:
        cycle += [status.value] * (share - 1)
    return cycle


CURRENT_TERM_CYCLE = _current_term_cycle()


def _statuses(peps: list[Pep], current: bool, position: dict[int, int]) -> dict[str, list[Pep]]:
    """Each PEP's status by its child's place in the authority (the children in order)."""
    by_status: dict[str, list[Pep]] = {}
    for pep in peps:
        status = (
            CURRENT_TERM_CYCLE[position[pep.child_id] % len(CURRENT_TERM_CYCLE)]
            if current
            else PepStatus.SIGNED_OFF.value
        )
        by_status.setdefault(status, []).append(pep)
    return by_status


def _path_to(status: str) -> list[str]:
    if status == PepStatus.RETURNED:
        return [*WORKFLOW[1:5], PepStatus.RETURNED]
    return list(WORKFLOW[1 : WORKFLOW.index(PepStatus(status)) + 1])


class _Term:
    """One term's PEPs taken along the workflow with the rows each step writes."""

    def __init__(
        self,
        authority: LocalAuthority,
        people: _People,
        children: dict[int, Child],
        peps: list[Pep],
        *,
        current: bool,
        rng: random.Random,
        today: dt.date,
    ) -> None:
        self.authority, self.people, self.children = authority, people, children
        self.rng, self.today, self.current = rng, today, current
        self.by_status = _statuses(peps, current, {pk: n for n, pk in enumerate(sorted(children))})
        self.now = timezone.now()
        self.school_of = dict(
            Enrolment.objects.filter(
                child_id__in=[p.child_id for p in peps], ended_on__isnull=True
            ).values_list("child_id", "school_id")
        )
        teachers = people["teacher"]
        self.teacher_at = {t.school_id: t for t in teachers}
        carer_rows = Placement.carers.through.objects.filter(
            placement__child_id__in=[p.child_id for p in peps], placement__ended_on__isnull=True
        ).values_list("placement__child_id", "user_id")
        self.carer_of = dict(carer_rows)
        self.users = {u.pk: u for group in people.by_role.values() for u in group}

    def peps(self, statuses: Iterable[str]) -> list[Pep]:
        return [p for s in statuses for p in self.by_status.get(s, [])]

    def meeting_day(self, pep: Pep) -> dt.date:
        due = pep.due_on or self.today
        day = min(due - dt.timedelta(days=self.rng.randint(3, 20)), self.today)
        return day - dt.timedelta(days=(day.weekday() - 4) if day.weekday() > 4 else 0)

    def run(self) -> dict[str, int]:
        made = {"answered sections": self.answer(), "pp requests": 0}
        self.events()
        made["meetings"] = self.meetings()
        made["pp requests"] = self.pp_requests()
        made["qa reviews"] = self.qa_reviews()
        self.snapshots()
        return made

    def answer(self) -> int:
        """Sections answered as far as each PEP has gone: all of them once the meeting was
        held; about half while it is in progress; the school's before a meeting."""
        done = set(self.peps(MET | {PepStatus.READY_FOR_MEETING}))
        partly = set(self.by_status.get(PepStatus.IN_PROGRESS, []))
        sections = PepSection.objects.filter(pep__in=done | partly).values_list(
            "pk", "pep_id", "key"
        )
        template_of = {p.pk: p.template for p in done | partly}
        done_ids, partly_ids = {p.pk for p in done}, {p.pk for p in partly}
        kept_of = _records_kept(done | partly)
        chosen: dict[tuple[str, str, frozenset[str]], list[int]] = {}
        for pk, pep_id, key in sections:
            if pep_id in partly_ids and hash((pk, key)) % 2:
                continue
            if key == "historical_data" and pep_id not in done_ids:
                continue
            kept = kept_of.get(pep_id, frozenset()) if key == "attendance" else frozenset()
            chosen.setdefault((template_of[pep_id], key, kept), []).append(pk)
        touched: list[int] = []
        for (template, key, kept), pks in chosen.items():
            PepSection.objects.filter(pk__in=pks).update(
                answers=_answers(template, key, kept=kept),
                status=SectionStatus.COMPLETE,
                version=2,
                carried_forward=[],
                updated_at=self.now,
                completed_at=self.now,
            )
            touched += pks
        history_copy_from_rows(PepSection, touched, self.now, "~")
        return len(touched)

    def events(self) -> None:
        events = []
        for status, peps in self.by_status.items():
            path = _path_to(status)
            for pep in peps:
                previous = PepStatus.DRAFT.value
                for step in path:
                    events.append(
                        PepEvent(pep=pep, from_status=previous, to_status=step, at=self.now)
                    )
                    previous = step
        _copy_in(PepEvent, events)
        for status, peps in self.by_status.items():
            if status == PepStatus.DRAFT:
                continue
            Pep.objects.filter(pk__in=[p.pk for p in peps]).update(
                status=status,
                submitted_at=self.now
                if status in (PepStatus.SUBMITTED, PepStatus.SIGNED_OFF)
                else None,
            )
        signed = self.by_status.get(PepStatus.SIGNED_OFF, [])
        head = self.people["head"][0]
        Pep.objects.filter(pk__in=[p.pk for p in signed]).update(
            signed_off_at=self.now, signed_off_by=head
        )
        history_copy_from_rows(
            Pep, [p.pk for s in self.by_status for p in self.by_status[s]], self.now, "~"
        )

    def meetings(self) -> int:
        """A held meeting (three attendees, two targets) for each PEP whose meeting was held;
        an arranged one for each PEP ready for its meeting."""
        held = self.peps(MET)
        held_ids = {p.pk for p in held}
        arranged = self.by_status.get(PepStatus.READY_FOR_MEETING, [])
        rows = []
        for pep in held + arranged:
            child = self.children[pep.child_id]
            is_held = pep.pk in held_ids
            day = (
                self.meeting_day(pep)
                if is_held
                else self.today + dt.timedelta(days=self.rng.randint(2, 25))
            )
            rows.append(
                Meeting(
                    pep=pep,
                    status=MeetingStatus.HELD if is_held else MeetingStatus.ARRANGED,
                    starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))),
                    venue_details="The school's meeting room",
                    arranged_by=self.users.get(child.social_worker_id or 0),
                    held_on=day if is_held else None,
                    discussion="Reviewed last term's targets and agreed new ones."
                    if is_held
                    else "",
                    expected_progress=True if is_held else None,
                    recorded_by_id=child.social_worker_id if is_held else None,
                    recorded_at=self.now if is_held else None,
                )
            )
        meetings = _copy_in(Meeting, rows)
        history_copy_from_rows(Meeting, [m.pk for m in meetings], self.now, "+")
        _update_from_arrays(
            Pep,
            [m.pep_id for m in meetings],
            {"meeting_on": ("date", [timezone.localdate(m.starts_at) for m in meetings])},
        )
        attendees, targets = [], []
        for meeting in meetings:
            child = self.children[meeting.pep.child_id]
            teacher = self.teacher_at.get(self.school_of.get(child.pk, 0))
            carer = self.users.get(self.carer_of.get(child.pk, 0))
            came = meeting.status == MeetingStatus.HELD or None
            for role, person in (
                (AttendeeRole.SOCIAL_WORKER, self.users.get(child.social_worker_id or 0)),
                (AttendeeRole.DESIGNATED_TEACHER, teacher),
                (AttendeeRole.CARER, carer),
            ):
                if person is not None:
                    attendees.append(
                        Attendee(
                            meeting=meeting,
                            person=person,
                            name=person.full_name,
                            role=role,
                            email=person.email,
                            attended=came,
                        )
                    )
            if meeting.status == MeetingStatus.HELD:
                for n, what in enumerate(("Read daily for 20 minutes", "Times tables to 12")):
                    targets.append(
                        Target(
                            child=child,
                            pep=meeting.pep,
                            meeting=meeting,
                            what=what,
                            measure="Teacher assessment at the next PEP",
                            support="A reading buddy twice a week" if n == 0 else "",
                            responsible="Designated teacher",
                            due_on=(meeting.held_on or self.today) + dt.timedelta(days=90),
                            created_at=self.now,
                        )
                    )
        _copy_in(Attendee, attendees)
        _copy_in(Target, targets)
        return len(meetings)

    def pp_requests(self) -> int:
        """A Pupil Premium Plus request from the school on two PEPs in three that reached the
        meeting, decided once signed off; the PP+ section says so."""
        rows, section_answers = [], {}
        peps = [p for p in self.peps(MET) if p.pk % 3]
        section_of = dict(
            PepSection.objects.filter(pep__in=peps, key="pupil_premium").values_list("pep_id", "pk")
        )
        assurer = self.people["head"][0]
        for pep in peps:
            child = self.children[pep.child_id]
            teacher = self.teacher_at.get(self.school_of.get(child.pk, 0))
            if teacher is None or pep.pk not in section_of:
                continue
            amount = 200 + 50 * (pep.pk % 12)
            decided = pep.status == PepStatus.SIGNED_OFF
            when = timezone.make_aware(
                dt.datetime.combine(pep.meeting_on or self.today, dt.time(12, 0))
            )
            rows.append(
                PpRequest(
                    pep=pep,
                    child=child,
                    school_id=teacher.school_id,
                    section_id=section_of[pep.pk],
                    financial_year=financial_year_of(timezone.localdate(when)).start_year,
                    amount=Decimal(amount),
                    purpose="One-to-one tuition in maths, one hour a week",
                    requested_by=teacher,
                    requested_at=when,
                    status=PpStatus.APPROVED if decided else PpStatus.REQUESTED,
                    approved_amount=Decimal(amount) if decided else None,
                    decided_by=assurer if decided else None,
                    decided_at=self.now if decided else None,
                )
            )
            section_answers[section_of[pep.pk]] = json.dumps(
                _answers(pep.template, "pupil_premium", pp_amount=amount)
            )
        made = _copy_in(PpRequest, rows)
        history_copy_from_rows(PpRequest, [r.pk for r in made], self.now, "+")
        ids = list(section_answers)
        _update_from_arrays(
            PepSection, ids, {"answers": ("jsonb", [section_answers[i] for i in ids])}
        )
        return len(made)

    def qa_reviews(self) -> int:
        framework = QaFramework.objects.get(authority=self.authority)
        criteria = list(framework.criteria.filter(active=True).values_list("pk", flat=True))
        best, next_best = framework.ratings[0][0], framework.ratings[1][0]
        assurers = self.people["qa"] or self.people["head"]
        rows = []
        for status in (PepStatus.SIGNED_OFF, PepStatus.RETURNED):
            for pep in self.by_status.get(status, []):
                rating = best if pep.pk % 4 else next_best
                if status == PepStatus.RETURNED:
                    rating = framework.ratings[-1][0]
                rows.append(
                    QaReview(
                        pep=pep,
                        reviewer=assurers[pep.pk % len(assurers)],
                        criteria_ratings={str(c): rating for c in criteria},
                        overall=rating,
                        scale=framework.scale,
                        feedback_to_teacher="Clear targets that follow from the assessment.",
                        feedback_to_social_worker="The care information is up to date.",
                        decision=QaDecision.SIGNED_OFF
                        if status == PepStatus.SIGNED_OFF
                        else QaDecision.RETURNED,
                        changes_needed=""
                        if status == PepStatus.SIGNED_OFF
                        else "Make the targets measurable.",
                        created_at=self.now,
                    )
                )
        made = _copy_in(QaReview, rows)
        history_copy_from_rows(QaReview, [r.pk for r in made], self.now, "+")
        return len(made)

    def snapshots(self) -> None:
        """What was signed off, kept as pep_snapshot keeps it (built here from the rows)."""
        signed = self.by_status.get(PepStatus.SIGNED_OFF, [])
        if not signed:
            return
        sections: dict[int, list[dict[str, object]]] = {}
        for pep_id, key, answers, status, version in (
            PepSection.objects.filter(pep__in=signed)
            .order_by("pk")
            .values_list("pep_id", "key", "answers", "status", "version")
        ):
            sections.setdefault(pep_id, []).append(
                {
                    "key": key,
                    "answers": answers,
                    "status": status,
                    "updated_by": "",
                    "version": version,
                }
            )
        meeting_on = dict(
            Pep.objects.filter(pk__in=[p.pk for p in signed]).values_list("pk", "meeting_on")
        )
        values = []
        for pep in signed:
            child = self.children[pep.child_id]
            met = meeting_on.get(pep.pk)
            values.append(
                json.dumps(
                    {
                        "title": pep.title,
                        "template": pep.template,
                        "child": {
                            "display_name": child.display_name,
                            "legal_name": f"{child.legal_first_name} {child.legal_last_name}",
                            "date_of_birth": child.date_of_birth.isoformat(),
                            "upn": child.upn,
                        },
                        "sections": sections.get(pep.pk, []),
                        "meeting_on": met.isoformat() if met else None,
                        "due_on": pep.due_on.isoformat() if pep.due_on else None,
                    }
                )
            )
        # Into their own table (PepSnapshot), streamed by COPY.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {PepSnapshot._meta.db_table} (pep_id, content) FROM STDIN"
            ) as copy,
        ):
            for pep, value in zip(signed, values, strict=True):
                copy.write_row((pep.pk, value))


def _notifications(children: list[Child], peps: list[Pep], today: dt.date) -> int:
    """This term's reminders: the social worker is told of each open PEP's submission date,
    the school of its sections (the sweep's kinds; links only, as always)."""
    pep_url = reverse("pep_detail", args=[0])
    child_of = {c.pk: c for c in children}
    rows = []
    for pep in peps:
        if pep.status in (PepStatus.SIGNED_OFF, PepStatus.SUBMITTED):
            continue
        child = child_of[pep.child_id]
        url = pep_url.replace("/0/", f"/{pep.pk}/")
        for kind, recipient, message in (
            (
                NotificationKind.SUBMISSION_DUE,
                child.social_worker_id,
                "A PEP is due to be submitted",
            ),
            (
                NotificationKind.NO_MEETING_ARRANGED,
                child.social_worker_id,
                "A PEP meeting needs arranging",
            ),
        ):
            if kind == NotificationKind.NO_MEETING_ARRANGED and pep.status != PepStatus.DRAFT:
                continue
            rows.append(
                Notification(
                    recipient_id=recipient or 0,
                    kind=kind,
                    stage=Stage.REMINDER,
                    child=child,
                    message=message,
                    url=url,
                    due_on=pep.due_on,
                    dedupe_key=f"bulk:{pep.pk}:{kind}:{recipient}",
                    read_at=timezone.now() if pep.pk % 3 == 0 else None,
                    emailed_at=timezone.now(),
                )
            )
    made = Notification.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return len(made)


def seed_authority(
    number: int,
    children: int,
    *,
    today: dt.date | None = None,
    report: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Bulk Borough `number` with `children` children in care and everything around them
    (see the module's description). Run again, it adds only what is missing: more children
    if `children` grew, and the PEPs, meetings and reviews of children who have none."""
    today = today or timezone.localdate()
    rng = random.Random(number * 1_000_003 + children)  # noqa: S311 (invented people)
    started = time.perf_counter()
    made: dict[str, int] = {}
    with transaction.atomic():
        authority = _authority(number, today)
        schools = _schools(authority, number, max(1, children // CHILDREN_PER_SCHOOL))
        people = _People(authority, schools, children)
        _approvals(authority, people)
        made["people"] = sum(len(v) for v in people.by_role.values())
        _say(report, started, f"{authority.name}: {made['people']:,} people")
        everyone = _children(authority, children, people, schools, today, rng)
        made["children"] = len(everyone)
        _say(report, started, f"{len(everyone):,} children with episodes and placements")
        by_pk = {c.pk: c for c in everyone}
        rules = rules_for_authority(authority)
        terms = _terms(today)
        # Fictional attendance, suspensions and attainment across terms, in bulk, before the
        # PEPs: their records-backed questions are answered by them (attainment in every PEP's
        # term, so the termly set-up carries none forward), and their yes/no questions agree.
        made["education_records"] = seed_outcomes(
            everyone, today=today, rng=rng, full_terms=set(terms)
        )
        _say(report, started, f"{made['education_records']:,} education records")
        current: list[Pep] = []
        for year, term in terms:
            is_current = (year, term) == terms[-1]
            eligible = [c for c in everyone if _has_template(c, year)]
            peps = pep_set_up_many(children=eligible, academic_year=year, term=term, rules=rules)
            _say(report, started, f"{len(peps):,} PEPs set up for {term} {year}")
            counts = _Term(
                authority, people, by_pk, peps, current=is_current, rng=rng, today=today
            ).run()
            for key, n in counts.items():
                made[key] = made.get(key, 0) + n
            made["peps"] = made.get("peps", 0) + len(peps)
            _say(report, started, f"  {counts}")
            if is_current:
                current = list(Pep.objects.filter(pk__in=[p.pk for p in peps]))
        made["notifications"] = _notifications(everyone, current, today)
        # The care teams' access rows, written by their one writer.
        ids = [c.pk for c in everyone]
        for start in range(0, len(ids), 2000):
            sync_child_access(ids[start : start + 2000])
        _say(report, started, "care-team access rows written")
        recount_unread_of({c.social_worker_id for c in everyone if c.social_worker_id is not None})
    _say(report, started, "done")
    return made


def _has_template(child: Child, academic_year: int) -> bool:
    """Old enough for a PEP template in that school year (nursery onwards)."""
    return (
        year_group_on(child.date_of_birth, dt.date(academic_year, 10, 1)).pep_template is not None
    )


def seed_bulk(
    *,
    children: int,
    authorities: int = 1,
    today: dt.date | None = None,
    report: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """`authorities` Bulk Boroughs of `children` children each."""
    total: dict[str, int] = {}
    for number in range(1, authorities + 1):
        for key, n in seed_authority(number, children, today=today, report=report).items():
            total[key] = total.get(key, 0) + n
    return total
