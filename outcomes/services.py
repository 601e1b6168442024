"""Writing education outcomes: attendance, suspensions and exclusions, part-time timetables,
spells without a setting and attainment. Every write asks the permission engine (an `actor` of
None is the portal itself: an import already checked, a nightly job), is checked by its one
checker (outcomes/attendance.py for sessions, peps.sections.check_answer for attainment) and is
kept in the history with who made it."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from children.models import Child, School
from children.school_year import year_group_on
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.calendars.choices import TermCode
from peps import sections as asked
from peps.sections import check_answer
from peps.services import sections_reopen_for_records

from . import attendance as sums
from . import mis
from .models import (
    AlertKind,
    AttainmentRecord,
    ExclusionEvent,
    ExclusionKind,
    MisImport,
    MisImportLayout,
    MisImportStatus,
    MissingEducationSpell,
    OutcomeAlert,
    PartTimeTimetable,
    Source,
    TermAttendance,
    term_bounds,
    term_index,
)
from .scales import ExclusionReason, KeyStage, key_stage_of, subject_spec
from .selectors import thresholds_for, thresholds_of
from .signals import outcome_alert_raised, outcome_alerts_raised


def _require(actor: User | None, child: Child) -> None:
    if actor is not None and not user_can(actor, Action.RECORD_OUTCOMES, child):
        raise PermissionDenied


def _check_term(academic_year: object, term: object) -> None:
    errors = {}
    if not isinstance(academic_year, int) or not 2000 <= academic_year <= 2100:
        errors["academic_year"] = "Enter the school year, like 2025 for 2025/26"
    if term not in TermCode.values:
        errors["term"] = "Select the term: Autumn, Spring or Summer"
    if errors:
        raise ValidationError(errors)


# --- alerts: once per event -------------------------------------------------------------------


def _alert(child: Child, kind: AlertKind, about: str) -> OutcomeAlert | None:
    """Record that people are told of this event and announce it, unless they already were."""
    try:
        with transaction.atomic():
            alert, created = OutcomeAlert.objects.get_or_create(child=child, kind=kind, about=about)
    except IntegrityError:  # another transaction told them first
        return None
    if not created:
        return None
    outcome_alert_raised.send(sender=OutcomeAlert, alert=alert)
    return alert


def _absence_kind(record: TermAttendance, lines: sums.Thresholds) -> AlertKind | None:
    """Which line a term's attendance is under: the severe line is told as severe (not
    twice)."""
    sessions = sums.Sessions(
        record.sessions_possible,
        record.sessions_present,
        record.authorised_absence,
        record.unauthorised_absence,
    )
    if sums.is_severe_absence(sessions, lines):
        return AlertKind.SEVERE_ABSENCE
    if sums.is_persistent_absence(sessions, lines):
        return AlertKind.PERSISTENT_ABSENCE
    return None


def attendance_alerts(record: TermAttendance, lines: sums.Thresholds) -> list[OutcomeAlert]:
    """Tell the adviser and social worker when a term's attendance is under a threshold."""
    kind = _absence_kind(record, lines)
    alert = _alert(record.child, kind, _term_about(record)) if kind is not None else None
    return [alert] if alert is not None else []


def _term_about(record: TermAttendance) -> str:
    return f"{record.academic_year}-{record.term}"


ALERT_BATCH = 1000


def _alerts_many(events: list[tuple[int, str, str]]) -> list[int]:
    """Record many events at once, (child id, kind, about) each, and announce the new ones
    together: one INSERT … ON CONFLICT DO NOTHING per thousand (an event already told, by an
    earlier import or a racing one, is skipped by the unique key), then one signal for the
    batch. The notification centre queues the telling for after the commit, so a file of
    thousands of rows is not slowed by it, and a file refused or rolled back tells no one.
    Returns the ids of the alerts made."""
    table = OutcomeAlert._meta.db_table
    made: list[int] = []
    now = timezone.now()
    for start in range(0, len(events), ALERT_BATCH):
        batch = events[start : start + ALERT_BATCH]
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
        params: list[Any] = []
        for child_id, kind, about in batch:
            params += [child_id, kind, about, now]
        sql = (
            f"INSERT INTO {table} (child_id, kind, about, sent_at) VALUES {rows} "  # noqa: S608
            "ON CONFLICT (child_id, kind, about) DO NOTHING RETURNING id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            made += [row[0] for row in cursor.fetchall()]
    if made:
        outcome_alerts_raised.send(sender=OutcomeAlert, alert_ids=sorted(made))
    return made


# --- attendance -------------------------------------------------------------------------------


@transaction.atomic
def attendance_save(
    *,
    actor: User | None,
    child: Child,
    academic_year: int,
    term: str,
    possible: int,
    present: int,
    authorised: int,
    unauthorised: int,
    school: School | None = None,
    source: Source = Source.ENTERED,
    lines: sums.Thresholds | None = None,
) -> TermAttendance:
    """Record (or correct) a term's attendance in sessions."""
    _require(actor, child)
    _check_term(academic_year, term)
    sessions = sums.Sessions(possible, present, authorised, unauthorised)
    errors = sums.problems(sessions)
    if errors:
        raise ValidationError(errors)
    record = (
        TermAttendance.objects.select_for_update()
        .filter(child=child, academic_year=academic_year, term=term)
        .first()
    ) or TermAttendance(child=child, academic_year=academic_year, term=term)
    record.term_index = term_index(academic_year, term)
    record.sessions_possible = possible
    record.sessions_present = present
    record.authorised_absence = authorised
    record.unauthorised_absence = unauthorised
    record.school = school if school is not None else record.school
    record.source = source
    # Saved by a person (from the PEP or the child's page): confirmed, imported or not.
    record.confirmed = True
    record.updated_by = actor
    record._history_user = actor  # type: ignore[attr-defined]
    record.save()
    attendance_alerts(record, lines or thresholds_for(child))
    return record


# --- suspensions and exclusions ---------------------------------------------------------------


@transaction.atomic
def exclusion_record(
    *,
    actor: User | None,
    child: Child,
    kind: str,
    started_on: dt.date,
    sessions_lost: int,
    reason: str,
    school: School | None = None,
) -> ExclusionEvent:
    """Record a suspension or a permanent exclusion; the adviser and the social worker are
    told once."""
    _require(actor, child)
    errors = {}
    if kind not in ExclusionKind.values:
        errors["kind"] = "Select suspension or permanent exclusion"
    if reason not in ExclusionReason.values:
        errors["reason"] = "Select the reason, as the school recorded it"
    if not isinstance(started_on, dt.date):
        errors["started_on"] = "Enter the first day as a date"
    elif started_on > timezone.localdate():
        errors["started_on"] = "The first day must be today or in the past"
    if isinstance(sessions_lost, bool) or not isinstance(sessions_lost, int):
        errors["sessions_lost"] = "Sessions lost must be a whole number"
    elif not 0 <= sessions_lost <= sums.MAX_SESSIONS:
        errors["sessions_lost"] = f"Sessions lost must be between 0 and {sums.MAX_SESSIONS}"
    if errors:
        raise ValidationError(errors)
    if ExclusionEvent.objects.filter(child=child, kind=kind, started_on=started_on).exists():
        raise ValidationError({"started_on": "This exclusion is already recorded"})
    if school is None:
        current = child.enrolments.filter(ended_on__isnull=True).select_related("school").first()
        school = current.school if current is not None else None
    event = ExclusionEvent(
        child=child,
        kind=kind,
        started_on=started_on,
        sessions_lost=sessions_lost,
        reason=reason,
        school=school,
        recorded_by=actor,
    )
    event._history_user = actor  # type: ignore[attr-defined]
    event.save()
    _alert(child, AlertKind.EXCLUSION, f"exclusion-{event.pk}")
    return event


# --- part-time timetables and spells without a setting -----------------------------------------


REASON_LENGTH = 500
MAX_HOURS = Decimal(40)


def _is_day(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _part_time_problems(
    started_on: object,
    review_on: object,
    ended_on: object,
    hours_per_week: object,
    reason: object,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _is_day(started_on):
        errors["started_on"] = "Enter the day the part-time timetable started"
    if not _is_day(review_on):
        errors["review_on"] = "Enter the day it is to be reviewed"
    if ended_on is not None and not _is_day(ended_on):
        errors["ended_on"] = "Enter the day it ended as a date"
    if _is_day(started_on):
        assert isinstance(started_on, dt.date)
        if started_on > timezone.localdate() + dt.timedelta(days=366):
            errors["started_on"] = "The start must be within the next year"
        if _is_day(review_on) and review_on < started_on:  # type: ignore[operator]
            errors["review_on"] = "The review date must be on or after the start"
        if _is_day(ended_on) and ended_on < started_on:  # type: ignore[operator]
            errors["ended_on"] = "The end must be on or after the start"
    if hours_per_week is not None and (
        not isinstance(hours_per_week, Decimal)
        or not hours_per_week.is_finite()
        or not Decimal(0) < hours_per_week <= MAX_HOURS
        or hours_per_week != hours_per_week.quantize(Decimal("0.1"))
    ):
        errors["hours_per_week"] = (
            "Hours a week must be more than 0 and at most 40, to one decimal place, like 12.5"
        )
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = "Enter why the child is on a part-time timetable"
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = f"The reason must be {REASON_LENGTH} characters or fewer"
    return errors


@transaction.atomic
def part_time_record(
    *,
    actor: User | None,
    child: Child,
    started_on: dt.date,
    review_on: dt.date,
    reason: str,
    ended_on: dt.date | None = None,
    hours_per_week: Decimal | None = None,
    timetable: PartTimeTimetable | None = None,
) -> PartTimeTimetable:
    """Record a part-time (reduced) timetable, or correct one (`timetable`): its start, the
    date it is to be reviewed, the hours a week, why, and its end once it has ended."""
    _require(actor, child)
    if timetable is not None and timetable.child_id != child.pk:
        raise PermissionDenied
    errors = _part_time_problems(started_on, review_on, ended_on, hours_per_week, reason)
    if errors:
        raise ValidationError(errors)
    if timetable is None:
        timetable = PartTimeTimetable(child=child, recorded_by=actor)
    else:
        timetable = PartTimeTimetable.objects.select_for_update().get(pk=timetable.pk)
    timetable.started_on = started_on
    timetable.review_on = review_on
    timetable.ended_on = ended_on
    timetable.hours_per_week = hours_per_week
    timetable.reason = reason.strip()
    timetable._history_user = actor  # type: ignore[attr-defined]
    timetable.save()
    return timetable


def _spell_problems(
    child: Child, started_on: object, ended_on: object, spell: MissingEducationSpell | None
) -> dict[str, str]:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if not _is_day(started_on):
        errors["started_on"] = "Enter the first day without a school or setting"
    elif started_on > today:  # type: ignore[operator]
        errors["started_on"] = "The first day must be today or in the past"
    if ended_on is not None:
        if not _is_day(ended_on):
            errors["ended_on"] = "Enter the last day as a date"
        elif ended_on > today:  # type: ignore[operator]
            errors["ended_on"] = "The last day must be today or in the past"
        elif _is_day(started_on) and ended_on < started_on:  # type: ignore[operator]
            errors["ended_on"] = "The last day must be on or after the first"
    if errors:
        return errors
    others = MissingEducationSpell.objects.filter(child=child)
    if spell is not None:
        others = others.exclude(pk=spell.pk)
    if ended_on is None and others.filter(ended_on__isnull=True).exists():
        errors["ended_on"] = "A time without a setting is already open: end that one first"
    # Two spells of one child cannot overlap (an open spell runs to today).
    last = ended_on or today
    overlapping = others.filter(started_on__lte=last).exclude(ended_on__lt=started_on)
    if overlapping.exists():
        errors["started_on"] = "This overlaps another time without a setting already recorded"
    return errors


@transaction.atomic
def missing_education_record(
    *,
    actor: User | None,
    child: Child,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    spell: MissingEducationSpell | None = None,
) -> MissingEducationSpell:
    """Record a time without a school or setting (missing education), from its first day to
    its last (open while it goes on), or correct one (`spell`)."""
    _require(actor, child)
    if spell is not None and spell.child_id != child.pk:
        raise PermissionDenied
    # One spell recorded at a time per child: the overlap check is then safe from a race.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    errors = _spell_problems(child, started_on, ended_on, spell)
    if errors:
        raise ValidationError(errors)
    if spell is None:
        spell = MissingEducationSpell(child=child, recorded_by=actor)
    else:
        spell = MissingEducationSpell.objects.select_for_update().get(pk=spell.pk)
    spell.started_on = started_on
    spell.ended_on = ended_on
    spell._history_user = actor  # type: ignore[attr-defined]
    spell.save()
    # An open spell longer than the rule set's days is told by the nightly sweep
    # (missing_education_sweep), once, however late it was recorded.
    return spell


@transaction.atomic
def missing_education_start(
    *, actor: User | None, child: Child, started_on: dt.date
) -> MissingEducationSpell:
    if MissingEducationSpell.objects.filter(child=child, ended_on__isnull=True).exists():
        raise ValidationError({"started_on": "A time without a setting is already open"})
    return missing_education_record(actor=actor, child=child, started_on=started_on)


@transaction.atomic
def missing_education_end(
    *, actor: User | None, spell: MissingEducationSpell, ended_on: dt.date
) -> MissingEducationSpell:
    return missing_education_record(
        actor=actor, child=spell.child, started_on=spell.started_on, ended_on=ended_on, spell=spell
    )


def missing_education_follow(*, child: Child, on: dt.date, has_place: bool) -> None:
    """Follow the child's school place (children.signals): a child left without one starts a
    spell without a setting on that day; a new place ends the open spell the day before."""
    spell = (
        MissingEducationSpell.objects.select_for_update()
        .filter(child=child, ended_on__isnull=True)
        .first()
    )
    if has_place and spell is not None:
        spell.ended_on = max(spell.started_on, on - dt.timedelta(days=1))
        spell.save()
    elif not has_place and spell is None:
        MissingEducationSpell.objects.create(child=child, started_on=on)
    elif not has_place and spell is not None and spell.started_on > on:
        # "No school place" is announced without a date first, then with the move's date.
        spell.started_on = on
        spell.save()


def missing_education_sweep(*, today: dt.date) -> list[OutcomeAlert]:
    """Tell the adviser and social worker of each child whose open spell without a setting has
    lasted more than their authority's days (once per spell). The nightly job calls it."""
    alerts: list[OutcomeAlert] = []
    spells = MissingEducationSpell.objects.filter(ended_on__isnull=True).select_related(
        "child", "child__authority"
    )
    rules_by_authority: dict[int, sums.Thresholds] = {}
    for spell in spells:
        authority_id = spell.child.authority_id
        if authority_id not in rules_by_authority:
            rules_by_authority[authority_id] = thresholds_for(spell.child)
        limit = rules_by_authority[authority_id].missing_education_days
        if (today - spell.started_on).days > limit:
            with transaction.atomic():
                alert = _alert(spell.child, AlertKind.MISSING_EDUCATION, f"spell-{spell.pk}")
            if alert is not None:
                alerts.append(alert)
    return alerts


# --- attainment -------------------------------------------------------------------------------


def key_stage_for_term(child: Child, academic_year: int) -> KeyStage | None:
    """The key stage the child is in during a school year (by age, as the templates are)."""
    return key_stage_of(year_group_on(child.date_of_birth, dt.date(academic_year, 9, 1)))


def check_values(
    key_stage: str, subject: str, values: object
) -> tuple[dict[str, Any], dict[str, str]]:
    """A subject's values checked against its questions (peps.sections.check_answer): (values
    as stored, a message per field that is wrong). Unknown subjects and fields are refused."""
    spec = subject_spec(key_stage, subject)
    if spec is None:
        return {}, {"subject": "Select a subject of this key stage"}
    if not isinstance(values, dict):
        return {}, {"values": "The values must be given by field"}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        field = spec.field(str(name))
        if field is None:
            errors[str(name)] = f"“{spec.label}” has no field “{str(name)[:40]}”"
            continue
        stored, message = check_answer(field, value)
        if message is not None:
            errors[field.name] = message
        elif stored != "":
            cleaned[field.name] = stored
    return cleaned, errors


@transaction.atomic
def attainment_save(
    *,
    actor: User | None,
    child: Child,
    academic_year: int,
    term: str,
    key_stage: str,
    subject: str,
    values: dict[str, Any],
    source: Source = Source.ENTERED,
) -> AttainmentRecord:
    """Record (or change) one subject's attainment in a term; saving confirms a record carried
    forward from the last term."""
    _require(actor, child)
    _check_term(academic_year, term)
    if key_stage not in KeyStage.values:
        raise ValidationError({"key_stage": "Select a key stage"})
    cleaned, errors = check_values(key_stage, subject, values)
    if errors:
        raise ValidationError(errors)
    record = (
        AttainmentRecord.objects.select_for_update()
        .filter(
            child=child,
            academic_year=academic_year,
            term=term,
            key_stage=key_stage,
            subject=subject,
        )
        .first()
    ) or AttainmentRecord(
        child=child, academic_year=academic_year, term=term, key_stage=key_stage, subject=subject
    )
    record.term_index = term_index(academic_year, term)
    record.values = cleaned
    record.confirmed = True
    record.source = source
    record.updated_by = actor
    record._history_user = actor  # type: ignore[attr-defined]
    record.save()
    return record


@transaction.atomic
def attainment_save_many(
    *,
    actor: User | None,
    child: Child,
    academic_year: int,
    term: str,
    key_stage: str,
    values_by_subject: dict[str, dict[str, Any]],
) -> list[AttainmentRecord]:
    """A key stage's subjects saved together, all or none: errors are keyed
    `<subject>__<question>` (the form's fields)."""
    _require(actor, child)
    errors: dict[str, str] = {}
    for subject, values in values_by_subject.items():
        _, problems = check_values(key_stage, subject, values)
        errors |= {f"{subject}__{name}": message for name, message in problems.items()}
    if errors:
        raise ValidationError(errors)
    return [
        attainment_save(
            actor=actor,
            child=child,
            academic_year=academic_year,
            term=term,
            key_stage=key_stage,
            subject=subject,
            values=values,
        )
        for subject, values in values_by_subject.items()
    ]


@transaction.atomic
def attainment_confirm(*, actor: User | None, child: Child, academic_year: int, term: str) -> int:
    """The designated teacher confirms every value carried forward into a term unchanged;
    returns how many records were confirmed."""
    _require(actor, child)
    records = list(
        AttainmentRecord.objects.select_for_update().filter(
            child=child, academic_year=academic_year, term=term, confirmed=False
        )
    )
    for record in records:
        record.confirmed = True
        record.updated_by = actor
        record._history_user = actor  # type: ignore[attr-defined]
        record.save()
    return len(records)


def attainment_carry_forward(*, children: Iterable[Child], academic_year: int, term: str) -> int:
    """Start each child's term with their last term's attainment, unconfirmed, for the teacher
    to confirm or change (the termly PEP's set-up calls it). Only the key stage the child is in
    this term is carried; a subject already recorded this term is left as it is. Returns how
    many records were made. Rows are written in one batch, with their history."""
    _check_term(academic_year, term)
    target = term_index(academic_year, term)
    stages = {c.pk: key_stage_for_term(c, academic_year) for c in children}
    if not stages:
        return 0
    earlier = AttainmentRecord.objects.filter(
        child_id__in=list(stages), term_index__lt=target
    ).order_by("child_id", "-term_index")
    present = set(
        AttainmentRecord.objects.filter(child_id__in=list(stages), term_index=target).values_list(
            "child_id", "key_stage", "subject"
        )
    )
    latest: dict[int, int] = {}
    made: list[AttainmentRecord] = []
    for record in earlier:
        latest.setdefault(record.child_id, record.term_index)
        if record.term_index != latest[record.child_id]:
            continue
        if record.key_stage != stages[record.child_id]:
            continue
        if (record.child_id, record.key_stage, record.subject) in present:
            continue
        made.append(
            AttainmentRecord(
                child_id=record.child_id,
                academic_year=academic_year,
                term=term,
                term_index=target,
                key_stage=record.key_stage,
                subject=record.subject,
                values=dict(record.values),
                confirmed=False,
                source=record.source,
            )
        )
    if made:
        bulk_create_with_history(made, AttainmentRecord, batch_size=1000)
    return len(made)


# --- schools' MIS files -------------------------------------------------------------------------


def _children_by_upn(actor: User, authority_id: int, school: School | None) -> dict[str, int]:
    """The children the uploader may record for, by UPN (of one school, when the file is one
    school's)."""
    children = scope_queryset(
        actor, Action.RECORD_OUTCOMES, Child.objects.filter(authority_id=authority_id)
    ).exclude(upn="")
    if school is not None:
        children = children.filter(enrolments__school=school, enrolments__ended_on__isnull=True)
    return dict(children.values_list("upn", "pk"))


def mis_preview(
    *,
    actor: User,
    layout: str,
    file_name: str,
    content: bytes,
    school: School | None = None,
) -> MisImport:
    """Read a school's (or the authority's) MIS file and keep what it would import: the rows
    matched to children by UPN, the rows that are wrong (any one refuses the whole file) and
    the UPNs that match no child the uploader records for (listed, not imported)."""
    if not user_can(actor, Action.IMPORT_MIS_DATA) or actor.authority_id is None:
        raise PermissionDenied
    if layout not in MisImportLayout.values:
        raise ValidationError({"layout": "Select attendance or attainment"})
    upload = MisImport(
        authority_id=actor.authority_id,
        school=school,
        layout=layout,
        file_name=file_name[:200],
        uploaded_by=actor,
    )
    try:
        reading = mis.read(layout, content)
    except mis.FileRefused as refused:
        upload.status = MisImportStatus.REFUSED
        upload.errors = [{"row": None, "upn": "", "messages": [str(refused)]}]
        upload.save()
        return upload
    children = _children_by_upn(actor, actor.authority_id, school)
    rows, errors = [], list(reading.errors)
    for row in reading.rows:
        child_id = children.get(row["upn"])
        if child_id is None:
            upload.unmatched.append({"row": row["row"], "upn": row["upn"]})
            continue
        if layout == MisImportLayout.ATTAINMENT:
            cleaned, problems = check_values(row["key_stage"], row["subject"], row["values"])
            if problems:
                errors.append(
                    {"row": row["rows"][0], "upn": row["upn"], "messages": list(problems.values())}
                )
                continue
            row = {**row, "values": cleaned}
        rows.append({**row, "child": child_id})
    upload.rows = rows
    upload.row_count = len(rows)
    upload.unmatched_count = len(upload.unmatched)
    upload.errors = sorted(errors, key=lambda e: e["row"] or 0)
    upload.status = MisImportStatus.REFUSED if errors else MisImportStatus.PREVIEWED
    upload.save()
    return upload


@transaction.atomic
def mis_import(*, actor: User, upload: MisImport) -> int:
    """Import a previewed file, whole or not at all; returns how many records were written.
    The uploader's access is asked again (it may have changed since the preview)."""
    upload = MisImport.objects.select_for_update().get(pk=upload.pk)
    if upload.uploaded_by_id != actor.pk or not user_can(actor, Action.IMPORT_MIS_DATA):
        raise PermissionDenied
    if upload.status != MisImportStatus.PREVIEWED:
        raise ValidationError("This file has already been imported, or was refused")
    if upload.rows_removed_at is not None:
        raise ValidationError("This file's rows have been removed as it is old: upload it again")
    allowed = set(_children_by_upn(actor, upload.authority_id, upload.school).values())
    if any(row["child"] not in allowed for row in upload.rows):
        raise ValidationError("Some of the children in this file are no longer yours to record")
    if upload.layout == MisImportLayout.ATTENDANCE:
        written = _import_attendance(actor, upload)
    else:
        written = _import_attainment(actor, upload)
    _reopen_pep_sections(upload)
    upload.status = MisImportStatus.IMPORTED
    upload.imported_at = timezone.now()
    upload.save()
    audit.record(
        actor,
        AuditAction.IMPORTED,
        upload,
        authority_id=upload.authority_id,
        detail={"layout": upload.layout, "rows": len(upload.rows), "written": written},
    )
    return written


def mis_rows_remove(*, now: dt.datetime | None = None) -> int:
    """Remove the rows of the data files uploaded more than settings.MIS_IMPORT_ROWS_KEEP_DAYS
    ago (the nightly retention job calls it): the rows to import and the unmatched rows go, and
    each error keeps its row number and messages but not its UPN. The counts stay, and what was
    imported stays in the children's records. Returns how many uploads were cleared."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.MIS_IMPORT_ROWS_KEEP_DAYS)
    old = MisImport.objects.filter(rows_removed_at__isnull=True, uploaded_at__lt=before)
    cleared = 0
    # One UPDATE per upload (uploads are few; their rows are never loaded, only the errors).
    for pk, errors in old.values_list("pk", "errors").iterator():
        cleared += MisImport.objects.filter(pk=pk, rows_removed_at__isnull=True).update(
            rows=[],
            unmatched=[],
            errors=[{k: v for k, v in e.items() if k != "upn"} for e in errors],
            rows_removed_at=now,
        )
    return cleared


def _reopen_pep_sections(upload: MisImport) -> None:
    """Imported values wait for the designated teacher's confirmation: the PEP sections they
    answer, if already complete, are opened again (peps.services)."""
    records = asked.ATTENDANCE if upload.layout == MisImportLayout.ATTENDANCE else asked.ATTAINMENT
    terms: dict[tuple[int, str], set[int]] = {}
    for row in upload.rows:
        terms.setdefault((row["academic_year"], row["term"]), set()).add(row["child"])
    for (year, term), child_ids in terms.items():
        sections_reopen_for_records(
            child_ids=sorted(child_ids),
            academic_year=year,
            term=term,
            starts_between=term_bounds(year, term),
            records=records,
        )


def _upsert(
    model: type[TermAttendance] | type[AttainmentRecord],
    actor: User,
    keys: list[tuple[Any, ...]],
    key_fields: tuple[str, ...],
    values: list[dict[str, Any]],
) -> list[Any]:
    """Create or update many rows in a few queries, with their history (who, when)."""
    child_ids = {k[0] for k in keys}
    existing = {
        tuple(getattr(r, f) for f in key_fields): r
        for r in model.objects.select_for_update().filter(child_id__in=child_ids)
    }
    new, changed = [], []
    for key, fields in zip(keys, values, strict=True):
        record = existing.get(key)
        if record is None:
            record = model(**dict(zip(key_fields, key, strict=True)))
            new.append(record)
        else:
            changed.append(record)
        for name, value in fields.items():
            setattr(record, name, value)
        record.updated_by = actor
        record.source = Source.IMPORTED
    now = timezone.now()
    if new:
        bulk_create_with_history(new, model, batch_size=1000, default_user=actor, default_date=now)
    if changed:
        names = [*values[0].keys(), "updated_by", "source", "updated_at"]
        for record in changed:
            record.updated_at = now
        bulk_update_with_history(
            changed, model, names, batch_size=1000, default_user=actor, default_date=now
        )
    return new + changed


def _import_attendance(actor: User, upload: MisImport) -> int:
    keys, values = [], []
    for row in upload.rows:
        keys.append((row["child"], row["academic_year"], row["term"]))
        values.append(
            {
                "term_index": term_index(row["academic_year"], row["term"]),
                "sessions_possible": row["possible"],
                "sessions_present": row["present"],
                "authorised_absence": row["authorised"],
                "unauthorised_absence": row["unauthorised"],
                "school_id": upload.school_id,
                # Imported values fill the PEP for the teacher to confirm.
                "confirmed": False,
            }
        )
    records = _upsert(TermAttendance, actor, keys, ("child_id", "academic_year", "term"), values)
    # The terms under the lines (one query for the lines of the authority), told in one batch.
    lines = thresholds_of(upload.authority)
    events = []
    for record in records:
        kind = _absence_kind(record, lines)
        if kind is not None:
            events.append((record.child_id, kind.value, _term_about(record)))
    _alerts_many(events)
    return len(records)


def _import_attainment(actor: User, upload: MisImport) -> int:
    keys, values = [], []
    for row in upload.rows:
        keys.append(
            (row["child"], row["academic_year"], row["term"], row["key_stage"], row["subject"])
        )
        values.append(
            {
                "term_index": term_index(row["academic_year"], row["term"]),
                "values": row["values"],
                # Imported values fill the PEP for the teacher to confirm.
                "confirmed": False,
            }
        )
    return len(
        _upsert(
            AttainmentRecord,
            actor,
            keys,
            ("child_id", "academic_year", "term", "key_stage", "subject"),
            values,
        )
    )
