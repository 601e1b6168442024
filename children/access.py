"""Who is in each child's care team, and the django-guardian rows that say so.

The care team is derived from the facts in exactly one function, `care_teams`: allocated
staff, the designated teachers of the current school whom the child's authority approved there,
current carers, and colleagues such a teacher delegated the child to. The rows the permission
rules read (`ChildUserObjectPermission`, "view_child") are written only by `sync_child_access`,
which every service that changes one of those facts calls in its own transaction, and are
checked against the facts by `access_differences` (`manage.py check_access`, nightly).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    F,
    Field,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.accounts.signals import child_access_changed
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction

from .models import (
    Child,
    ChildUserObjectPermission,
    Delegation,
    Enrolment,
    Placement,
    PreviousSchoolAccess,
    TeacherApproval,
)


class Seat(StrEnum):
    """Why someone is in a child's care team, in the order the record lists them."""

    SOCIAL_WORKER = "social_worker"
    VIRTUAL_SCHOOL_ADVISER = "virtual_school_adviser"
    INDEPENDENT_REVIEWING_OFFICER = "independent_reviewing_officer"
    DESIGNATED_TEACHER = "designated_teacher"
    DELEGATED_SCHOOL_STAFF = "delegated_school_staff"
    CARER = "carer"


SEAT_ORDER = list(Seat)


@dataclass(frozen=True)
class Member:
    seat: Seat
    user_id: int


def _any_of(ids: Iterable[int]) -> RawSQL | list[int]:
    """`field__in=_any_of(ids)`: the ids sent as one array parameter. A sweep asks for the care
    teams of every child with an open PEP (100,000 at a large host): as a list, each query
    carried one placeholder per child, and psycopg parsed each such statement afresh. (The
    embedded SQLite of `make run` has no arrays: a plain list there.)"""
    if connection.vendor != "postgresql":
        return list(ids)
    return RawSQL("SELECT unnest(%s::bigint[])", (ids if isinstance(ids, list) else list(ids),))


def current_school_ids(child_ids: Iterable[int]) -> dict[int, int]:
    """Each child's current school, for the children who have a school place."""
    return dict(
        Enrolment.objects.filter(
            ended_on__isnull=True, child_id__in=_any_of(child_ids)
        ).values_list("child_id", "school_id")
    )


def approved_teachers(
    schools: Iterable[int], *, open_accounts_only: bool = True
) -> dict[tuple[int, int], set[int]]:
    """The designated teachers each authority approves at each of these schools:
    {(school, authority): teachers}, in one query."""
    approved: dict[tuple[int, int], set[int]] = defaultdict(set)
    rows = TeacherApproval.objects.filter(
        withdrawn_at__isnull=True,
        school_id__in=set(schools),
        # An approval is for the teacher at that school: it ends when they move school.
        teacher__school_id=F("school_id"),
        teacher__role=Role.DESIGNATED_TEACHER,
    )
    if open_accounts_only:
        rows = rows.filter(teacher__is_active=True)
    for school_id, authority_id, teacher_id in rows.values_list(
        "school_id", "authority_id", "teacher_id"
    ):
        approved[(school_id, authority_id)].add(teacher_id)
    return approved


# The seats read from the child's own row (its allocated staff).
_ALLOCATED = (
    Seat.SOCIAL_WORKER,
    Seat.VIRTUAL_SCHOOL_ADVISER,
    Seat.INDEPENDENT_REVIEWING_OFFICER,
)

# What each row of the care-team query is (its first column).
_CHILD, _SCHOOL, _APPROVAL, _DELEGATION, _CARER = range(5)


def _facts_row(rows: QuerySet, kind: int, **columns: Any) -> QuerySet:
    """One branch of the care-team query: (kind, a, b, c, d, e, f, g, h), the same width and
    column types in every branch (None where a kind has nothing to say)."""
    names = "abcdefgh"
    unknown = set(columns) - set(names)
    assert not unknown, unknown
    values: dict[str, Any] = {}
    for name in names:
        value = columns.get(name)
        if value is None:
            field: Field[Any, Any] = BooleanField() if name in "dfh" else BigIntegerField()
            value = Value(None, output_field=field)
        elif isinstance(value, str):
            value = F(value)
        values[f"_{name}"] = value
    return (
        rows.order_by()
        .annotate(_kind=Value(kind, output_field=IntegerField()), **values)
        .values_list("_kind", *values)
    )


def care_teams(
    child_ids: Iterable[int], *, only: Iterable[Seat] | None = None
) -> dict[int, list[Member]]:
    """Who is in each child's care team and why, from the facts alone, in one query however
    many children. Closed accounts belong to no care team. The one place the team is derived.

    The facts (the children's rows, their current schools, the approvals at those schools,
    the delegations, the current carers), each with whether its person's account is open, are
    read as one UNION ALL: a child's page paid six round trips and their compilation for it.
    `only`: just these seats, leaving out the branches the others need (the daily sweep wants
    the designated teachers of every child with an open PEP)."""
    child_ids = list(child_ids)
    wanted = set(Seat) if only is None else set(only)
    seats: dict[int, set[Member]] = {child_id: set() for child_id in child_ids}
    if not child_ids:
        return {}
    facts = _facts(child_ids, wanted)
    active: set[int] = set()
    authority_of = _allocated_seats(facts[_CHILD], wanted, seats, active)
    if not wanted.isdisjoint({Seat.DESIGNATED_TEACHER, Seat.DELEGATED_SCHOOL_STAFF}):
        _school_seats(facts, wanted, authority_of, seats, active)
    for _, child_id, _school, user_id, is_active, *_ in facts[_CARER]:
        seats[child_id].add(Member(Seat.CARER, user_id))
        if is_active:
            active.add(user_id)
    return _open_accounts_only(seats, active)


def _facts(child_ids: list[int], wanted: set[Seat]) -> dict[int, list[tuple[Any, ...]]]:
    """The rows `care_teams` derives the teams from, by kind, in one query."""
    by_kind: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in _facts_rows(child_ids, frozenset(wanted)):
        by_kind[row[0]].append(row)
    return by_kind


# {seats wanted: (SQL, its parameters, which of them are the children's ids)}: the SQL does
# not depend on the database it runs on (one PostgreSQL database, no routers).
_facts_sql: dict[frozenset[Seat], tuple[str, list[Any], list[bool]]] = {}


def _facts_rows(child_ids: list[int], wanted: frozenset[Seat]) -> Iterable[tuple[Any, ...]]:
    """The care-team query's rows. On PostgreSQL the children's ids are one array parameter, so
    the SQL is the same for any children: Django builds and compiles it once per process and
    set of seats, then it is only executed (building and compiling the five-branch UNION cost
    more Python time than running it, on every child's page). SQLite (`make run`): the
    queryset as built."""
    if connection.vendor != "postgresql":
        return _facts_query(child_ids, wanted)
    if wanted not in _facts_sql:
        marker: list[int] = []
        sql, params = (
            _facts_query(marker, wanted).query.get_compiler(connection=connection).as_sql()
        )
        is_ids = [param is marker for param in params]
        assert any(is_ids), "the children's ids are not a parameter of the care-team query"
        _facts_sql[wanted] = (sql, list(params), is_ids)
    sql, params, is_ids = _facts_sql[wanted]
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [child_ids if ids else p for p, ids in zip(params, is_ids, strict=True)]
        )
        return cursor.fetchall()


def _facts_query(child_ids: list[int], wanted: frozenset[Seat]) -> QuerySet:
    """The care-team query as Django builds it: one UNION ALL branch per kind of fact."""
    ids = _any_of(child_ids)
    branches = [
        # a: the child, b: their authority, then each allocated person and whether their
        # account is open (a LEFT JOIN: a seat may be empty).
        _facts_row(
            Child.objects.filter(pk__in=ids),
            _CHILD,
            a="pk",
            b="authority_id",
            c="social_worker_id",
            d="social_worker__is_active",
            e="virtual_school_adviser_id",
            f="virtual_school_adviser__is_active",
            g="independent_reviewing_officer_id",
            h="independent_reviewing_officer__is_active",
        )
    ]
    if not wanted.isdisjoint({Seat.DESIGNATED_TEACHER, Seat.DELEGATED_SCHOOL_STAFF}):
        open_places = Enrolment.objects.filter(ended_on__isnull=True, child_id__in=ids)
        # a: the child, b: their current school (one open place per child: a constraint).
        branches.append(_facts_row(open_places, _SCHOOL, a="child_id", b="school_id"))
        # a: school, b: authority, c: teacher, d: their account is open. Closed accounts
        # included: a delegation is suspended, not ended, while its teacher's account is
        # closed; closed accounts leave the team in _open_accounts_only anyway.
        approvals = TeacherApproval.objects.filter(
            withdrawn_at__isnull=True,
            school_id__in=open_places.values("school_id"),
            # An approval is for the teacher at that school: it ends when they move school.
            teacher__school_id=F("school_id"),
            teacher__role=Role.DESIGNATED_TEACHER,
        )
        branches.append(
            _facts_row(
                approvals,
                _APPROVAL,
                a="school_id",
                b="authority_id",
                c="teacher_id",
                d="teacher__is_active",
            )
        )
    if Seat.DELEGATED_SCHOOL_STAFF in wanted:
        delegations = Delegation.objects.filter(child_id__in=ids, revoked_at__isnull=True)
        # a: child, b: school, c: delegate, d: their account is open, e: who delegated.
        branches.append(
            _facts_row(
                delegations,
                _DELEGATION,
                a="child_id",
                b="school_id",
                c="delegate_id",
                d="delegate__is_active",
                e="delegated_by_id",
            )
        )
    if Seat.CARER in wanted:
        carers = Placement.carers.through.objects.filter(
            placement__child_id__in=ids, placement__ended_on__isnull=True
        )
        # a: child, c: carer, d: their account is open.
        branches.append(
            _facts_row(carers, _CARER, a="placement__child_id", c="user_id", d="user__is_active")
        )
    return branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]


def _allocated_seats(
    rows: list[tuple[Any, ...]],
    wanted: set[Seat],
    seats: dict[int, set[Member]],
    active: set[int],
) -> dict[int, int]:
    """The allocated staff (from the child's own row) into `seats`, their open accounts into
    `active`; returns each child's authority."""
    authority_of: dict[int, int] = {}
    for _, child_id, authority_id, *staff in rows:
        authority_of[child_id] = authority_id
        people = zip(staff[0::2], staff[1::2], strict=True)
        for seat, (user_id, is_active) in zip(_ALLOCATED, people, strict=True):
            if user_id and seat in wanted:
                seats[child_id].add(Member(seat, user_id))
                if is_active:
                    active.add(user_id)
    return authority_of


def _school_seats(
    facts: dict[int, list[tuple[Any, ...]]],
    wanted: set[Seat],
    authority_of: dict[int, int],
    seats: dict[int, set[Member]],
    active: set[int],
) -> None:
    """The current school's designated teachers approved by the child's authority, and the
    colleagues they delegated the child to, into `seats` (their open accounts into `active`)."""
    school_of = {child_id: school_id for _, child_id, school_id, *_ in facts[_SCHOOL]}
    approved: dict[tuple[int, int], set[int]] = defaultdict(set)
    for _, school_id, authority_id, teacher_id, is_active, *_ in facts[_APPROVAL]:
        approved[(school_id, authority_id)].add(teacher_id)
        if is_active:
            active.add(teacher_id)
    if Seat.DESIGNATED_TEACHER in wanted:
        for child_id, school_id in school_of.items():
            for teacher_id in approved.get((school_id, authority_of[child_id]), ()):
                seats[child_id].add(Member(Seat.DESIGNATED_TEACHER, teacher_id))
    if Seat.DELEGATED_SCHOOL_STAFF not in wanted:
        return
    # A delegation lapses by itself when the child leaves the school that made it, and is
    # suspended while the child's authority does not approve the teacher who made it.
    for _, child_id, school_id, user_id, is_active, teacher_id, *_ in facts[_DELEGATION]:
        if school_of.get(child_id) != school_id:
            continue
        if teacher_id in approved.get((school_id, authority_of[child_id]), ()):
            seats[child_id].add(Member(Seat.DELEGATED_SCHOOL_STAFF, user_id))
            if is_active:
                active.add(user_id)


def _open_accounts_only(seats: dict[int, set[Member]], active: set[int]) -> dict[int, list[Member]]:
    """Each team in the record's order, without closed accounts (they belong to no team)."""
    return {
        child_id: sorted(
            (m for m in members if m.user_id in active),
            key=lambda m: (SEAT_ORDER.index(m.seat), m.user_id),
        )
        for child_id, members in seats.items()
    }


def care_team_user_ids(child_ids: Iterable[int]) -> dict[int, set[int]]:
    """Who is in each child's care team (`care_teams`), as ids."""
    teams = care_teams(child_ids)
    return {child_id: {m.user_id for m in members} for child_id, members in teams.items()}


def children_of_people(user_ids: Iterable[int]) -> set[int]:
    """Children whose care team may include any of these people, now or before a change to
    them (their account, their approval, their school): the children to re-sync."""
    ids = list(user_ids)
    granted = ChildUserObjectPermission.objects.filter(user_id__in=ids).values_list(
        "content_object_id", flat=True
    )
    school_ids = User.objects.filter(pk__in=ids, school__isnull=False).values("school_id")
    at_school = Enrolment.objects.filter(
        school_id__in=school_ids, ended_on__isnull=True
    ).values_list("child_id", flat=True)
    delegated = Delegation.objects.filter(delegate_id__in=ids).values_list("child_id", flat=True)
    allocated = Child.objects.filter(
        Q(social_worker_id__in=ids)
        | Q(virtual_school_adviser_id__in=ids)
        | Q(independent_reviewing_officer_id__in=ids)
        | Q(placements__carers__in=ids, placements__ended_on__isnull=True)
    ).values_list("pk", flat=True)
    return set(granted) | set(at_school) | set(delegated) | set(allocated)


def _view_child() -> Permission:
    return Permission.objects.get(codename="view_child", content_type__app_label="children")


def _held_rows(child_ids: list[int] | None) -> dict[tuple[int, int], int]:
    """{(child, user): row id} of the "view_child" rows, for these children or all."""
    rows = ChildUserObjectPermission.objects.filter(permission__codename="view_child")
    if child_ids is not None:
        rows = rows.filter(content_object_id__in=child_ids)
    return {
        (child_id, user_id): pk
        for pk, child_id, user_id in rows.values_list("pk", "content_object_id", "user_id")
    }


def access_held(child_ids: Iterable[int], user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (child, person) pairs among these that hold access now (for the audit of a change)."""
    people = set(user_ids)
    return {pair for pair in _held_rows(list(child_ids)) if pair[1] in people}


def _wanted_rows(child_ids: list[int]) -> set[tuple[int, int]]:
    return {
        (child_id, user_id)
        for child_id, users in care_team_user_ids(child_ids).items()
        for user_id in users
    }


# The children whose sync is put off to the end of `access_synced_once` (None: not deferring).
_deferred: ContextVar[set[int] | None] = ContextVar("deferred_access_sync", default=None)


@contextmanager
def access_synced_once() -> Iterator[None]:
    """Within this block (inside one transaction), `sync_child_access` only notes the children,
    and syncs them all once at the end: for an import that registers and moves thousands of
    children through the ordinary services, one sync instead of several per child. The rows
    are right by the time the block ends, still inside the caller's transaction."""
    if _deferred.get() is not None:
        yield
        return
    token = _deferred.set(set())
    try:
        yield
        pending = _deferred.get() or set()
    finally:
        _deferred.reset(token)
    for start in range(0, len(pending), 1000):
        sync_child_access(sorted(pending)[start : start + 1000])


def sync_child_access(child_ids: Iterable[int]) -> None:
    """Make django-guardian's rows for these children match their care team exactly.

    Called by every service that changes a fact the care team depends on (allocation, school
    move, placement, delegation, an account opened, closed or approved), inside its
    transaction: whoever joined gains access, whoever left loses it. The only writer of rows.
    """
    child_ids = sorted(set(child_ids))
    if not child_ids:
        return
    deferred = _deferred.get()
    if deferred is not None:
        deferred.update(child_ids)
        return
    with transaction.atomic():
        _apply(_held_rows(child_ids), _wanted_rows(child_ids))


def _apply(held: dict[tuple[int, int], int], wanted: set[tuple[int, int]]) -> None:
    stale = {key: pk for key, pk in held.items() if key not in wanted}
    if stale:
        ChildUserObjectPermission.objects.filter(pk__in=stale.values()).delete()
    added = wanted - held.keys()
    if added:
        view_child = _view_child()
        ChildUserObjectPermission.objects.bulk_create(
            [
                ChildUserObjectPermission(
                    content_object_id=child_id, user_id=user_id, permission=view_child
                )
                for child_id, user_id in sorted(added)
            ]
        )
    changed = stale.keys() | added
    if changed:
        # What follows access (notification counts) is put right in the same transaction.
        child_access_changed.send(
            sender=ChildUserObjectPermission,
            user_ids={user_id for _, user_id in changed},
            child_ids={child_id for child_id, _ in changed},
            # Exactly which (child, person) pairs gained and lost access: the audit writes
            # one event per pair that changed, not one for every child and person named.
            granted=frozenset(added),
            revoked=frozenset(stale),
        )


def sync_access_of_people(*, user_ids: Iterable[int], **_: object) -> None:
    """Re-derive access to every child these people's care teams may touch (a receiver of
    accounts' `care_team_facts_changed`: an account opened, closed, approved, moved)."""
    sync_child_access(children_of_people(user_ids))


@dataclass(frozen=True)
class AccessDifferences:
    """Rows the facts call for but that are missing, and rows held that the facts do not
    justify: (child id, user id) pairs, never names."""

    missing: list[tuple[int, int]]
    extra: list[tuple[int, int]]

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra)


def access_differences() -> AccessDifferences:
    """Compare every "view_child" row with the derived care team of every child."""
    held = _held_rows(None)
    wanted = _wanted_rows(list(Child.objects.values_list("pk", flat=True)))
    return AccessDifferences(
        missing=sorted(wanted - held.keys()), extra=sorted(held.keys() - wanted)
    )


@transaction.atomic
def access_repair() -> AccessDifferences:
    """Put every row right (locking the rows first, so a service running at the same time
    waits); returns what was wrong."""
    list(ChildUserObjectPermission.objects.select_for_update().values_list("pk", flat=True))
    held = _held_rows(None)
    wanted = _wanted_rows(list(Child.objects.values_list("pk", flat=True)))
    found = AccessDifferences(
        missing=sorted(wanted - held.keys()), extra=sorted(held.keys() - wanted)
    )
    if found:
        _apply(held, wanted)
    return found


# --- the previous school's read-only window after a change of school -------------------------


def previous_school_access_grant(
    *, child: Child, school_id: int, moved_on: dt.date, until: dt.date, actor: User | None = None
) -> list[PreviousSchoolAccess]:
    """After a change of school, the designated teachers the child's authority approved at the
    previous school, and the staff there they had delegated the child to (delegations live on
    the day of the move: school_move revokes them as it records it), may read the PEPs their
    school contributed to until `until` (they left the care team at the move;
    sync_child_access took their "view_child" row). Read-only: the PEP rules let them see,
    never change. Audited as an access grant."""
    teachers = approved_teachers([school_id]).get((school_id, child.authority_id), set())
    on_the_day = timezone.make_aware(dt.datetime.combine(moved_on, dt.time.min))
    delegates = set(
        Delegation.objects.filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gte=on_the_day),
            child=child,
            school_id=school_id,
            delegate__school_id=school_id,
            delegate__is_active=True,
        ).values_list("delegate_id", flat=True)
    )
    granted = [
        PreviousSchoolAccess.objects.create(
            child=child, school_id=school_id, teacher_id=person, moved_on=moved_on, until=until
        )
        for person in sorted(teachers | delegates)
    ]
    for row in granted:
        audit.record(
            actor,
            AuditAction.ACCESS_GRANTED,
            ("user", row.teacher_id),
            child=child,
            detail={"read_only": True, "until": until.isoformat()},
            actor_label="" if actor else "change of school",
        )
    return granted


def previous_school_windows(*, user_id: int, today: dt.date) -> QuerySet[PreviousSchoolAccess]:
    """The read-only windows a person holds on `today` (for the PEP rules)."""
    return PreviousSchoolAccess.objects.filter(
        teacher_id=user_id, ended_at__isnull=True, until__gte=today
    )


@transaction.atomic
def previous_school_access_expire(*, today: dt.date) -> int:
    """The nightly job: end every read-only window whose last day has passed (the PEP rules
    already stop honouring it after `until`; this records the end). Returns how many ended."""
    ending = list(
        PreviousSchoolAccess.objects.select_for_update().filter(
            ended_at__isnull=True, until__lt=today
        )
    )
    now = timezone.now()
    for row in ending:
        row.ended_at = now
        row.save(update_fields=["ended_at"])
        audit.record(
            None,
            AuditAction.ACCESS_REVOKED,
            ("user", row.teacher_id),
            child=row.child_id,
            detail={"read_only": True, "until": row.until.isoformat()},
            actor_label="read-only window after a change of school ended",
        )
    return len(ending)
