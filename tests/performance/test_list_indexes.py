"""The partial indexes added for the virtual school's lists (issue 20: meetings 0003, peps 0010)
match the queries the code builds. A partial index serves a query only when PostgreSQL can
prove the query's WHERE implies the index's condition, so a change to either side (another
finished status, the filter written differently) would leave the index unused without any
result changing. Each query is taken as the page runs it and planned with sequential scans
priced out, on a database too small for the index to matter otherwise: the plan must name the
index."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.selectors import dashboard_for
from dashboards.work import most_urgent, work_counts, work_page


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


@pytest.mark.django_db
def test_the_virtual_schools_work_reads_the_open_peps_and_hashes_the_arranged_meetings(personas):  # type: ignore[no-untyped-def]
    """The work counts and the most urgent read the open PEPs through open_pep_by_child (peps
    0011) and ask which PEPs have a meeting arranged of one hashed list of them, not of a
    subquery probed again for every PEP; a work list filters by its kind's own condition,
    which PostgreSQL can estimate, not by the CASE that classifies every kind."""
    user, today = personas.virtual_school_staff, dt.date(2026, 12, 8)
    with CaptureQueriesContext(connection) as captured:
        work_counts(user=user, today=today)
        most_urgent(user=user, today=today)
        list(work_page(user=user, kind="not_recorded", page=1, today=today).object_list)
    queries = [q["sql"] for q in captured.captured_queries]

    counts = _plan(_one(queries, "'no_meeting'", "COUNT(", "GROUP BY"))
    assert "open_pep_by_child" in counts
    assert "hashed SubPlan" in counts
    assert "(pep_id = peps_pep.id)" not in counts  # no probe of the meetings for each PEP

    urgent = _plan(_one(queries, "'no_meeting'", "LIMIT 10"))
    assert "open_pep_by_child" in urgent
    assert "hashed SubPlan" in urgent

    listed = _one(queries, "COUNT(*)")
    assert "CASE" not in listed
    assert "\"peps_pep\".\"status\" IN ('draft', 'in_progress', 'ready_for_meeting')" in listed


@pytest.mark.django_db
def test_the_childrens_search_reads_the_name_and_identifier_indexes(personas):  # type: ignore[no-untyped-def]
    """children 0008: the list's search (any name containing the term, or the UPN or social
    care ID exactly, whatever the case) can be answered from the five indexes, not by
    upper-casing every child's names. On a test database of a few children the authority's
    index always wins, so the search's own condition is planned alone, with only bitmap scans
    allowed: it needs all five indexes (one missing, or an expression other than the one the
    query writes, and only a sequential scan is left)."""
    from children.selectors import ChildFilters, child_list_page
    from tests.children.fixtures import register

    rowan = register(personas, school=None, name="Rowan")
    with CaptureQueriesContext(connection) as captured:
        page = child_list_page(
            user=personas.virtual_school_staff,
            filters=ChildFilters(search="Rowan"),
            number=1,
            per_page=50,
        )
        assert [child.pk for child in page.object_list] == [rowan.pk]
    queries = [q["sql"] for q in captured.captured_queries]
    count = _one(queries, "COUNT(*)", "LIKE UPPER('%Rowan%')")
    search = re.sub(r'"children_child"\."authority_id" = \d+ AND ', "", count)
    assert "authority_id" not in search
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        plan = _plan(search)
    assert "Seq Scan" not in plan, plan
    for index in (
        "child_legal_first_name_search",
        "child_legal_last_name_search",
        "child_preferred_name_search",
        "child_upn_search",
        "child_social_care_id_search",
    ):
        assert index in plan, (index, plan)
