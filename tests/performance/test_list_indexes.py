"""The partial indexes added for the virtual school's lists (issue 20: meetings 0003, peps 0010)
match the queries the code builds. A partial index serves a query only when PostgreSQL can
prove the query's WHERE implies the index's condition, so a change to either side (another
finished status, the filter written differently) would leave the index unused without any
result changing. Each query is taken as the page runs it and planned with sequential scans
priced out, on a database too small for the index to matter otherwise: the plan must name the
index."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.selectors import dashboard_for
from dashboards.work import work_counts


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


def _one(queries: list[str], *marks: str) -> str:
    found = [sql for sql in queries if all(mark in sql for mark in marks)]
    assert len(found) == 1, (marks, found)
    return found[0]


@pytest.mark.django_db
def test_each_list_reads_its_partial_index(personas):  # type: ignore[no-untyped-def]
    today = dt.date(2026, 12, 8)
    with CaptureQueriesContext(connection) as captured:
        work_counts(user=personas.virtual_school_staff, today=today)
        dashboard_for(
            user=personas.virtual_school_staff,
            authority=personas.authority,
            academic_year=2026,
            today=today,
        )
    queries = [q["sql"] for q in captured.captured_queries]

    counts = _one(queries, "'no_meeting'", "COUNT(")
    assert "arranged_meeting_of_pep" in _plan(counts)

    overdue = _one(queries, '"peps_pep"."meeting_on" IS NULL', 'ORDER BY "peps_pep"."due_on"')
    assert "pep_open_unmet_by_due_on" in _plan(overdue)

    missing_voice = _one(queries, "'child_voice'")
    assert "child_voice_unfinished" in _plan(missing_voice)
