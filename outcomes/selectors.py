"""Reads about a child's education outcomes, always through the permission engine."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from children.models import Child
from children.school_year import year_group_on
from children.selectors import school_sections_at_setting
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.calendars.choices import TermCode
from pep_portal.calendars.selectors import RulesMissing, rules_for_authority
from peps import sections as asked

from . import attendance as sums
from .models import (
    AttainmentRecord,
    ExclusionEvent,
    MissingEducationSpell,
    PartTimeTimetable,
    TermAttendance,
    term_bounds,
    term_index,
    term_of,
)
from .scales import KeyStage, SubjectSpec, key_stage_of, meets_expected, subject_spec


def thresholds_of(authority: LocalAuthority) -> sums.Thresholds:
    """An authority's lines (its rule set), or the defaults where it has none."""
    try:
        return sums.Thresholds.of(rules_for_authority(authority))
    except RulesMissing:
        return sums.Thresholds()


def thresholds_for(child: Child) -> sums.Thresholds:
    return thresholds_of(child.authority)


@dataclass(frozen=True)
class AttendanceRow:
    """One term's attendance, with the figures computed from its sessions."""

    record: TermAttendance
    attendance: Decimal
    absence: Decimal
    persistent: bool
    severe: bool

    @property
    def term_label(self) -> str:
        return self.record.term_label


def attendance_row(record: TermAttendance, lines: sums.Thresholds) -> AttendanceRow:
    sessions = sums.Sessions(
        record.sessions_possible,
        record.sessions_present,
        record.authorised_absence,
        record.unauthorised_absence,
    )
    return AttendanceRow(
        record=record,
        attendance=sums.attendance_percent(sessions),
        absence=sums.absence_percent(sessions),
        persistent=sums.is_persistent_absence(sessions, lines),
        severe=sums.is_severe_absence(sessions, lines),
    )


@dataclass(frozen=True)
class AttainmentRow:
    record: AttainmentRecord
    spec: SubjectSpec | None
    meets: bool | None

    @property
    def shown(self) -> list[tuple[str, str]]:
        """(question, answer as words) for each recorded value."""
        if self.spec is None:
            return [(k, str(v)) for k, v in self.record.values.items()]
        rows = []
        for f in self.spec.fields:
            value = self.record.values.get(f.name)
            if value in (None, ""):
                continue
            words = dict(f.choices).get(str(value), str(value)) if f.choices else str(value)
            if f.kind == "yes_no":
                words = {"yes": "Yes", "no": "No"}.get(str(value), str(value))
            rows.append((f.label, words))
        return rows


@dataclass
class ChildOutcomes:
    child: Child
    lines: sums.Thresholds
    attendance: list[AttendanceRow]
    exclusions: list[ExclusionEvent]
    part_time: list[PartTimeTimetable]
    missing: list[MissingEducationSpell]
    attainment: dict[str, list[AttainmentRow]] = field(default_factory=dict)
    can_record: bool = False
    # The chart of `attendance` (outcomes/chart.py), set by the page that draws it.
    chart: Any = None

    @property
    def sessions_lost(self) -> int:
        return sum(e.sessions_lost for e in self.exclusions)

    @property
    def today(self) -> dt.date:
        return timezone.localdate()

    @property
    def missing_rows(self) -> list["SpellRow"]:
        """Each time without a setting with its length in days, first to last day (an open
        one to today), flagged when longer than the rule set's days."""
        today = timezone.localdate()
        rows = []
        for spell in self.missing:
            days = ((spell.ended_on or today) - spell.started_on).days + 1
            rows.append(SpellRow(spell, days, days - 1 > self.lines.missing_education_days))
        return rows


@dataclass(frozen=True)
class SpellRow:
    record: MissingEducationSpell
    days: int
    too_long: bool


def attainment_rows(records: list[AttainmentRecord]) -> dict[str, list[AttainmentRow]]:
    """Records grouped by term label, in term order."""
    grouped: dict[str, list[AttainmentRow]] = {}
    for record in sorted(records, key=lambda r: (r.term_index, r.key_stage, r.subject)):
        spec = subject_spec(record.key_stage, record.subject)
        meets = meets_expected(spec, record.values) if spec is not None else None
        grouped.setdefault(record.term_label, []).append(AttainmentRow(record, spec, meets))
    return grouped


def child_outcomes(*, user: User, child: Child, with_spells: bool = True) -> ChildOutcomes:
    """Every term's attendance and attainment, the suspensions and exclusions, and (unless
    not wanted) part-time timetables and spells without a setting of a child the user may
    see."""
    if not user_can(user, Action.VIEW_OUTCOMES, child):
        raise PermissionDenied
    lines = thresholds_for(child)
    attendance = [
        attendance_row(r, lines)
        for r in TermAttendance.objects.filter(child=child).order_by("term_index")
    ]
    return ChildOutcomes(
        child=child,
        lines=lines,
        attendance=attendance,
        exclusions=list(
            ExclusionEvent.objects.filter(child=child)
            .select_related("school")
            .order_by("-started_on", "-pk")
        ),
        part_time=list(PartTimeTimetable.objects.filter(child=child)) if with_spells else [],
        missing=list(MissingEducationSpell.objects.filter(child=child)) if with_spells else [],
        attainment=attainment_rows(list(AttainmentRecord.objects.filter(child=child))),
        can_record=user_can(user, Action.RECORD_OUTCOMES, child),
    )


def term_attainment(
    *, user: User, child: Child, academic_year: int, term: str
) -> list[AttainmentRow]:
    """One term's attainment (the PEP's), carried-forward values marked by `confirmed`."""
    if not user_can(user, Action.VIEW_OUTCOMES, child):
        raise PermissionDenied
    records = list(
        AttainmentRecord.objects.filter(child=child, academic_year=academic_year, term=term)
    )
    return next(iter(attainment_rows(records).values()), [])


def term_attendance(
    *, user: User, child: Child, academic_year: int, term: str
) -> AttendanceRow | None:
    if not user_can(user, Action.VIEW_OUTCOMES, child):
        raise PermissionDenied
    record = TermAttendance.objects.filter(
        child=child, academic_year=academic_year, term=term
    ).first()
    return attendance_row(record, thresholds_for(child)) if record is not None else None


def as_dict(row: AttendanceRow) -> dict[str, Any]:
    r = row.record
    return {
        "term": r.term_label,
        "possible": r.sessions_possible,
        "present": r.sessions_present,
        "authorised": r.authorised_absence,
        "unauthorised": r.unauthorised_absence,
        "attendance": row.attendance,
    }


@dataclass
class TermOutcomes:
    """One term's education outcomes, as the PEP of that term shows them."""

    child: Child
    academic_year: int
    term: str
    attendance: AttendanceRow | None
    attainment: list[AttainmentRow]
    exclusions: list[ExclusionEvent]
    key_stage: str | None
    can_record: bool

    @property
    def key_stage_label(self) -> str:
        return KeyStage(self.key_stage).label if self.key_stage else ""

    @property
    def unconfirmed(self) -> int:
        return sum(1 for row in self.attainment if not row.record.confirmed)

    @property
    def term_label(self) -> str:
        year = f"{self.academic_year}/{(self.academic_year + 1) % 100:02d}"
        return f"{TermCode(self.term).label} {year}"


def term_outcomes(*, user: User, child: Child, academic_year: int, term: str) -> TermOutcomes:
    """A term's attendance, attainment (carried-forward values unconfirmed) and the
    suspensions and exclusions that started in it."""
    if not user_can(user, Action.VIEW_OUTCOMES, child):
        raise PermissionDenied
    return _term_outcomes(
        child, academic_year, term, can_record=user_can(user, Action.RECORD_OUTCOMES, child)
    )


def _term_outcomes(
    child: Child, academic_year: int, term: str, *, can_record: bool
) -> TermOutcomes:
    records = list(
        AttainmentRecord.objects.filter(child=child, academic_year=academic_year, term=term)
    )
    attendance = TermAttendance.objects.filter(
        child=child, academic_year=academic_year, term=term
    ).first()
    exclusions = [
        e
        for e in ExclusionEvent.objects.filter(child=child).order_by("started_on")
        if term_of(e.started_on) == (academic_year, term)
    ]
    stage = key_stage_of(year_group_on(child.date_of_birth, dt.date(academic_year, 9, 1)))
    return TermOutcomes(
        child=child,
        academic_year=academic_year,
        term=term,
        attendance=attendance_row(attendance, thresholds_for(child)) if attendance else None,
        attainment=next(iter(attainment_rows(records).values()), []),
        exclusions=exclusions,
        key_stage=stage,
        can_record=can_record,
    )


def pep_term(pep: Any) -> tuple[int, str] | None:
    """The school year and term a PEP is about (an initial PEP's: the term it starts in)."""
    if pep.term == "initial":
        return term_of(pep.starts_on) if pep.starts_on is not None else None
    return pep.academic_year, pep.term


def education_for_document(pep: Any) -> dict[str, Any] | None:
    """The PEP's term's education outcomes as plain data for its PDF (documents/), with every
    term's attendance up to it for the chart. The caller has checked the reader may see the
    PEP (and so the child)."""
    which = pep_term(pep)
    if which is None:
        return None
    year, term = which
    outcomes = _term_outcomes(pep.child, year, term, can_record=False)
    lines = thresholds_for(pep.child)
    history = [
        attendance_row(r, lines)
        for r in TermAttendance.objects.filter(
            child=pep.child, term_index__lte=term_index(year, term)
        ).order_by("term_index")
    ]
    return {
        "term_label": outcomes.term_label,
        "attendance": outcomes.attendance,
        "history": history,
        "lines": lines,
        "exclusions": outcomes.exclusions,
        "attainment": outcomes.attainment,
    }


# --- the PEP's RECORDS questions (peps/sections.py, Kind.RECORDS) --------------------------------


def _term_part_time(child: Child, academic_year: int, term: str) -> Any:
    """Part-time timetables running at any time in the term."""
    first, last = term_bounds(academic_year, term)
    return PartTimeTimetable.objects.filter(child=child, started_on__lte=last).exclude(
        ended_on__lt=first
    )


def pep_records_state(pep: Any) -> dict[str, str]:
    """For the PEP's term, the state of each kind of records its RECORDS questions stand for
    (registered with peps/records.py): recorded, to confirm (carried forward or imported, not
    yet confirmed), not asked (no key stage's scale at this age; no school or setting), or ""
    (none recorded). One query, whatever the kinds."""
    which = pep_term(pep)
    if which is None:
        return {}
    year, term = which
    child = pep.child
    stage = key_stage_of(year_group_on(child.date_of_birth, dt.date(year, 9, 1)))
    first, last = term_bounds(year, term)
    this_term = {"child": OuterRef("pk"), "academic_year": year, "term": term}
    attainment = AttainmentRecord.objects.filter(**this_term, key_stage=stage or "")
    found = (
        Child.objects.filter(pk=child.pk)
        .annotate(
            attainment_any=Exists(attainment),
            attainment_unconfirmed=Exists(attainment.filter(confirmed=False)),
            attendance_confirmed=Subquery(
                TermAttendance.objects.filter(**this_term).values("confirmed")[:1]
            ),
            excluded=Exists(
                ExclusionEvent.objects.filter(child=OuterRef("pk"), started_on__range=(first, last))
            ),
            part_time=Exists(
                PartTimeTimetable.objects.filter(
                    child=OuterRef("pk"), started_on__lte=last
                ).exclude(ended_on__lt=first)
            ),
            at_setting=school_sections_at_setting("pk"),
        )
        .values(
            "attainment_any",
            "attainment_unconfirmed",
            "attendance_confirmed",
            "excluded",
            "part_time",
            "at_setting",
        )
        .get()
    )
    attainment_state = (
        asked.NOT_ASKED
        if stage is None
        else ""
        if not found["attainment_any"]
        else asked.TO_CONFIRM
        if found["attainment_unconfirmed"]
        else asked.RECORDED
    )
    confirmed = found["attendance_confirmed"]
    attendance_state = (
        "" if confirmed is None else asked.RECORDED if confirmed else asked.TO_CONFIRM
    )
    if not found["at_setting"]:
        # No school place, or nobody at the setting who does the school's sections (home
        # education, EOTAS, NEET: children.selectors.school_sections_at_setting): the social
        # worker writes the section and is not stopped for records no school keeps.
        attainment_state = attainment_state or asked.NOT_ASKED
        attendance_state = attendance_state or asked.NOT_ASKED
    return {
        asked.ATTAINMENT: attainment_state,
        asked.ATTENDANCE: attendance_state,
        asked.EXCLUSIONS: asked.RECORDED if found["excluded"] else "",
        asked.PART_TIME: asked.RECORDED if found["part_time"] else "",
    }


@dataclass
class SectionRecords:
    """What a PEP section's RECORDS questions stand for, for its page: the term's outcomes,
    its part-time timetables, and which kinds of records the section asks about."""

    outcomes: TermOutcomes
    part_time: list[PartTimeTimetable]
    kinds: frozenset[str]
    editable: bool


def pep_section_records(
    *, user: User, pep: Any, kinds: list[str], editable: bool
) -> SectionRecords | None:
    """The records a PEP section edits (`kinds`: sections.ATTAINMENT, ATTENDANCE, ...), as the
    user may see them; `editable` where the section's page may change them (the PEP is open
    and the user may edit the section). None when the PEP has no term or the user may not see
    the child's outcomes."""
    which = pep_term(pep)
    if which is None or not user_can(user, Action.VIEW_OUTCOMES, pep.child):
        return None
    year, term = which
    may_record = editable and user_can(user, Action.RECORD_OUTCOMES, pep.child)
    outcomes = _term_outcomes(pep.child, year, term, can_record=may_record)
    part_time = list(_term_part_time(pep.child, year, term)) if asked.PART_TIME in kinds else []
    return SectionRecords(outcomes, part_time, frozenset(kinds), may_record)


# --- the child's audit trail (children/audit_sources.py) -----------------------------------------


def child_histories(child_pk: int) -> list[tuple[Any, str]]:
    """The change histories of a child's education records, for the child's audit trail: one
    query each, whoever made the changes."""

    def of(model: Any) -> Any:
        return model.history.filter(child_id=child_pk).select_related("history_user")

    return [
        (of(TermAttendance), "Attendance"),
        (of(AttainmentRecord), "Attainment"),
        (of(ExclusionEvent), "Suspension or exclusion"),
        (of(PartTimeTimetable), "Part-time timetable"),
        (of(MissingEducationSpell), "Time without a school or setting"),
    ]
