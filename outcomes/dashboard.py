"""The virtual school's education outcomes dashboard: cohort attendance, suspensions and
exclusions, attainment at each key stage against the expected standard, for a school year and
the year before, filtered by year group, school, in or out of area, SEN status and adviser.

Every figure is counted by PostgreSQL (aggregates over the cohort), never by a Python loop over
children; the children behind each figure are the same filters as a list (`children_behind`)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from children.models import Child, Cohort
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset

from .attendance import Thresholds
from .models import ExclusionEvent, ExclusionKind, TermAttendance
from .scales import SUBJECTS, KeyStage


@dataclass(frozen=True)
class Filters:
    year_group: int | None = None
    school_urn: int | None = None
    area: str = ""  # "in", "out" or ""
    sen: str = ""
    adviser: int | None = None


def cohort(*, user: User, academic_year: int, filters: Filters) -> QuerySet[Child]:
    """The looked-after children the user may see, as the filters narrow them (year group as
    of `academic_year`; school, area, SEN and adviser as they are now)."""
    children = scope_queryset(
        user, Action.VIEW_OUTCOMES, Child.objects.filter(cohort=Cohort.LOOKED_AFTER)
    )
    if filters.year_group is not None:
        # Year group n in the year starting Y: born 1 September (Y - n - 5) to 31 August
        # (Y - n - 4) (children.school_year).
        n = filters.year_group
        children = children.filter(
            date_of_birth__gte=dt.date(academic_year - n - 5, 9, 1),
            date_of_birth__lte=dt.date(academic_year - n - 4, 8, 31),
        )
    current = {"enrolments__ended_on__isnull": True}
    if filters.school_urn is not None:
        children = children.filter(enrolments__school__urn=filters.school_urn, **current)
    if filters.area == "in":
        children = children.filter(enrolments__school__la_code=F("authority__la_code"), **current)
    elif filters.area == "out":
        children = children.filter(**current).exclude(
            enrolments__school__la_code=F("authority__la_code"),
            enrolments__ended_on__isnull=True,
        )
    if filters.sen:
        children = children.filter(sen_status=filters.sen)
    if filters.adviser is not None:
        children = children.filter(virtual_school_adviser_id=filters.adviser)
    return children


def _with_year_attendance(children: QuerySet[Child], academic_year: int) -> QuerySet[Child]:
    terms = TermAttendance.objects.filter(child=OuterRef("pk"), academic_year=academic_year)

    def total(field: str) -> Subquery:
        return Subquery(terms.values("child").annotate(s=Sum(field)).values("s"))

    return children.annotate(
        year_present=total("sessions_present"), year_possible=total("sessions_possible")
    ).filter(year_possible__gt=0)


def attendance_figures(
    children: QuerySet[Child], academic_year: int, lines: Thresholds
) -> dict[str, Any]:
    """Children with attendance recorded in the year, their mean attendance (each child's year:
    present over possible), and how many are under the persistent and severe lines."""
    rows = _with_year_attendance(children, academic_year).annotate(
        present_100=F("year_present") * 100,
        possible_persistent=F("year_possible") * Value(lines.persistent_below),
        possible_severe=F("year_possible") * Value(lines.severe_below),
    )
    figures = rows.aggregate(
        children=Count("pk", distinct=True),
        mean=Avg(
            ExpressionWrapper(
                Cast("year_present", DecimalField(max_digits=12, decimal_places=2))
                * 100
                / F("year_possible"),
                output_field=DecimalField(max_digits=12, decimal_places=6),
            )
        ),
        persistent=Count("pk", distinct=True, filter=Q(present_100__lt=F("possible_persistent"))),
        severe=Count("pk", distinct=True, filter=Q(present_100__lt=F("possible_severe"))),
    )
    count = figures["children"] or 0
    figures["mean"] = (
        Decimal(figures["mean"]).quantize(Decimal("0.01")) if figures["mean"] is not None else None
    )
    figures["persistent_rate"] = _rate(figures["persistent"], count)
    figures["severe_rate"] = _rate(figures["severe"], count)
    return figures


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def year_span(academic_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(academic_year, 9, 1), dt.date(academic_year + 1, 8, 31)


def exclusion_figures(children: QuerySet[Child], academic_year: int) -> dict[str, Any]:
    first, last = year_span(academic_year)
    events = ExclusionEvent.objects.filter(
        child__in=children.values("pk"), started_on__gte=first, started_on__lte=last
    )
    return events.aggregate(
        suspensions=Count("pk", filter=Q(kind=ExclusionKind.SUSPENSION)),
        suspended_children=Count("child", distinct=True, filter=Q(kind=ExclusionKind.SUSPENSION)),
        permanent=Count("pk", filter=Q(kind=ExclusionKind.PERMANENT)),
        sessions_lost=Coalesce(Sum("sessions_lost"), 0),
    )


def _met_case() -> tuple[str, list[Any]]:
    """SQL deciding whether a record meets its subject's expected standard (from the scales:
    the one home of what "expected" is), NULL when it has none or is not recorded."""
    whens, params = [], []
    for key_stage, subjects in SUBJECTS.items():
        for spec in subjects:
            if not spec.expected_field:
                continue
            whens.append(
                "WHEN key_stage = %s AND subject = %s AND (values ->> %s) IS NOT NULL "
                "THEN (values ->> %s) = ANY(%s)"
            )
            params += [
                key_stage,
                spec.key,
                spec.expected_field,
                spec.expected_field,
                sorted(spec.expected_values),
            ]
    return "CASE " + " ".join(whens) + " ELSE NULL END", params


def attainment_figures(children: QuerySet[Child], academic_year: int) -> list[dict[str, Any]]:
    """Per key stage: the children assessed, the subject assessments against an expected
    standard and how many met it, from each child's latest confirmed record of each subject in
    the year."""
    cohort_sql, cohort_params = children.values("pk").query.sql_with_params()
    met, met_params = _met_case()
    sql = f"""
        WITH latest AS (
            SELECT DISTINCT ON (child_id, key_stage, subject) child_id, key_stage, subject, values
            FROM outcomes_attainmentrecord
            WHERE academic_year = %s AND confirmed AND child_id IN ({cohort_sql})
            ORDER BY child_id, key_stage, subject, term_index DESC
        ), judged AS (SELECT child_id, key_stage, {met} AS met FROM latest)
        SELECT key_stage, COUNT(DISTINCT child_id), COUNT(met), COUNT(*) FILTER (WHERE met)
        FROM judged GROUP BY key_stage
    """  # noqa: S608 (the cohort's SQL and the CASE come from the ORM and the scales)
    with connection.cursor() as cursor:
        cursor.execute(sql, [academic_year, *cohort_params, *met_params])
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    rows = []
    for stage in KeyStage:
        assessed, judged, met_count = found.get(stage.value, (0, 0, 0))
        rows.append(
            {
                "key_stage": stage.value,
                "label": stage.label,
                "children": assessed,
                "assessments": judged,
                "met": met_count,
                "rate": _rate(met_count, judged),
            }
        )
    return rows


@dataclass
class Board:
    academic_year: int
    this_year: dict[str, Any]
    last_year: dict[str, Any]


def outcomes_board(*, user: User, academic_year: int, filters: Filters, lines: Thresholds) -> Board:
    def figures(year: int) -> dict[str, Any]:
        children = cohort(user=user, academic_year=year, filters=filters)
        return {
            "cohort": children.count(),
            "attendance": attendance_figures(children, year, lines),
            "exclusions": exclusion_figures(children, year),
            "attainment": attainment_figures(children, year),
        }

    return Board(academic_year, figures(academic_year), figures(academic_year - 1))


def year_label(academic_year: int) -> str:
    return f"{academic_year}/{(academic_year + 1) % 100:02d}"


def board_figures(board: Board) -> Iterator[tuple[str, str, Any, Any]]:
    """Every figure of the dashboard's tables as (table, figure, this year, last year): the one
    list the CSV and the XLSX downloads are both written from."""
    this, last = board.this_year, board.last_year
    yield "cohort", "children", this["cohort"], last["cohort"]
    for name in ("children", "mean", "persistent", "persistent_rate", "severe", "severe_rate"):
        yield "attendance", name, this["attendance"][name], last["attendance"][name]
    for name in ("suspensions", "suspended_children", "permanent", "sessions_lost"):
        yield "exclusions", name, this["exclusions"][name], last["exclusions"][name]
    for now, before in zip(this["attainment"], last["attainment"], strict=True):
        for name in ("children", "assessments", "met", "rate"):
            yield f"attainment {now['key_stage']}", name, now[name], before[name]


def board_sheets(board: Board) -> list[tuple[str, list[list[Any]]]]:
    """The same figures as a sheet per table (cohort, attendance, exclusions, attainment), each
    with a header row naming the two years."""
    header = ["figure", year_label(board.academic_year), year_label(board.academic_year - 1)]
    sheets: dict[str, list[list[Any]]] = {}
    for table, figure, this, last in board_figures(board):
        sheet, _, key_stage = table.partition(" ")
        rows = sheets.setdefault(sheet, [["key stage", *header] if key_stage else header])
        rows.append([key_stage, figure, this, last] if key_stage else [figure, this, last])
    return list(sheets.items())


SHOWS = ("attended", "persistent", "severe", "suspended", "permanent")


def children_behind(
    *, user: User, academic_year: int, filters: Filters, lines: Thresholds, show: str
) -> QuerySet[Child]:
    """The children a figure counts, by the same filters and the same comparisons."""
    children = cohort(user=user, academic_year=academic_year, filters=filters)
    if show in ("attended", "persistent", "severe"):
        line = {"persistent": lines.persistent_below, "severe": lines.severe_below}.get(show)
        children = _with_year_attendance(children, academic_year)
        if line is not None:
            children = children.annotate(
                present_100=F("year_present") * 100,
                possible_line=F("year_possible") * Value(line),
            ).filter(present_100__lt=F("possible_line"))
    elif show in ("suspended", "permanent"):
        first, last = year_span(academic_year)
        kind = ExclusionKind.SUSPENSION if show == "suspended" else ExclusionKind.PERMANENT
        events = ExclusionEvent.objects.filter(
            kind=kind, started_on__gte=first, started_on__lte=last
        )
        children = children.filter(pk__in=events.values("child_id"))
    return children.distinct().order_by("legal_last_name", "legal_first_name", "pk")
