"""Totals per child, school and financial year, checked against sums worked out here from the
seeded requests; the CSV exports for finance opened with the csv module; and the query counts
of the list and totals pages, which must not grow with the number of requests."""

# The shared fixtures are imported from test_pp_support (there is no conftest.py here), so
# pytest's fixture parameters look to ruff like redefinitions.
# ruff: noqa: F811

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import School
from peps.models import Pep
from pupil_premium.models import PpRequest, PpStatus
from pupil_premium.selectors import (
    pp_totals_by_child,
    pp_totals_by_school,
    pp_totals_by_year,
)
from tests.factories import ChildFactory, SchoolFactory

from .test_pp_support import URLCONF, on_24_november, pp_setting  # noqa: F401

pytestmark = pytest.mark.urls(URLCONF)

APPROVED = {PpStatus.APPROVED, PpStatus.PART_APPROVED}

# (child, school, financial year, amount, status, amount approved)
SEED = [
    ("zara", "high", 2026, "500.00", PpStatus.APPROVED, "500.00"),
    ("zara", "high", 2026, "300.00", PpStatus.PART_APPROVED, "120.50"),
    ("zara", "high", 2026, "250.00", PpStatus.REQUESTED, None),
    ("zara", "high", 2025, "1000.00", PpStatus.APPROVED, "1000.00"),
    ("amir", "high", 2026, "80.00", PpStatus.DECLINED, None),
    ("amir", "high", 2026, "640.25", PpStatus.REQUESTED, None),
    ("bea", "primary", 2026, "1200.00", PpStatus.APPROVED, "1200.00"),
    ("bea", "primary", 2026, "99.99", PpStatus.APPROVED, "99.99"),
    ("bea", "primary", 2025, "400.00", PpStatus.DECLINED, None),
    ("cal", None, 2026, "333.33", PpStatus.PART_APPROVED, "111.11"),
]


def seed(personas, pp_setting, seed_rows=SEED):  # type: ignore[no-untyped-def]
    schools = {
        "high": personas.designated_teacher.school,
        "primary": SchoolFactory(name="Aston Primary"),
    }
    children = {"zara": pp_setting.child}
    peps = {"zara": pp_setting.pep}
    for name in ("amir", "bea", "cal"):
        child = ChildFactory(
            authority=personas.authority, legal_first_name=name.title(), legal_last_name="Pupil"
        )
        children[name] = child
        peps[name] = Pep.objects.create(
            child=child, academic_year=2026, term="autumn", template="yg"
        )
    PpRequest.objects.bulk_create(
        PpRequest(
            pep=peps[child],
            child=children[child],
            school=schools[school] if school else None,
            financial_year=year,
            amount=Decimal(amount),
            purpose=f"Purpose {n}",
            requested_by=personas.designated_teacher,
            status=status,
            approved_amount=Decimal(approved) if approved else None,
        )
        for n, (child, school, year, amount, status, approved) in enumerate(seed_rows)
    )
    # Another authority's requests never appear in Northam's totals.
    elsewhere = ChildFactory(authority=personas.other_authority, legal_first_name="Eli")
    PpRequest.objects.create(
        pep=Pep.objects.create(child=elsewhere, academic_year=2026, term="autumn", template="yg"),
        child=elsewhere,
        financial_year=2026,
        amount=Decimal("777.00"),
        purpose="Elsewhere",
        requested_by=personas.other_authority_social_worker,
        status=PpStatus.APPROVED,
        approved_amount=Decimal("777.00"),
    )
    return children, schools


def expected(key, year=None):  # type: ignore[no-untyped-def]
    """Totals worked out from SEED by hand, not by the database."""
    totals: dict = defaultdict(
        lambda: {
            "requests": 0,
            "requested": Decimal(0),
            "approved": Decimal(0),
            "pending": Decimal(0),
            "declined": 0,
            "children": set(),
        }
    )
    for child, school, fy, amount, status, approved in SEED:
        if year is not None and fy != year:
            continue
        row = totals[key(child, school, fy)]
        row["requests"] += 1
        row["requested"] += Decimal(amount)
        row["approved"] += Decimal(approved) if status in APPROVED else 0
        row["pending"] += Decimal(amount) if status == PpStatus.REQUESTED else 0
        row["declined"] += status == PpStatus.DECLINED
        row["children"].add(child)
    return totals


def money_of(row) -> tuple:  # type: ignore[no-untyped-def]
    return (row["requests"], row["requested"], row["approved"], row["pending"])


def test_totals_per_child_match_the_sums_of_their_requests(personas, pp_setting):
    children, _ = seed(personas, pp_setting)
    names = {child.pk: name for name, child in children.items()}
    want = expected(lambda child, school, fy: child, year=2026)
    rows = list(pp_totals_by_child(user=personas.virtual_school_staff, financial_year=2026))
    assert {names[r["child_id"]] for r in rows} == set(want)
    for row in rows:
        w = want[names[row["child_id"]]]
        assert money_of(row) == money_of(w)
        assert row["left"] == Decimal("2570") - w["approved"] - w["pending"]


def test_totals_per_school_match_the_sums_of_their_requests(personas, pp_setting):
    _, schools = seed(personas, pp_setting)
    names = {s.pk: key for key, s in schools.items()} | {None: None}
    want = expected(lambda child, school, fy: school, year=2026)
    rows = list(pp_totals_by_school(user=personas.virtual_school_staff, financial_year=2026))
    assert {names[r["school_id"]] for r in rows} == set(want)
    for row in rows:
        w = want[names[row["school_id"]]]
        assert row["children"] == len(w["children"])
        assert money_of(row) == money_of(w)
        assert row["declined"] == w["declined"]


def test_totals_per_financial_year_match_and_show_the_allocation(personas, pp_setting):
    seed(personas, pp_setting)
    want = expected(lambda child, school, fy: fy)
    rows = {r["financial_year"]: r for r in pp_totals_by_year(user=personas.virtual_school_staff)}
    assert set(rows) == {2025, 2026}
    for year, row in rows.items():
        w = want[year]
        assert row["children"] == len(w["children"])
        assert money_of(row) == money_of(w)
    assert rows[2026]["allocation"] == Decimal("2570")
    assert rows[2025]["allocation"] is None


def test_nobody_outside_the_virtual_school_gets_totals(personas, pp_setting):
    seed(personas, pp_setting)
    for user in (
        personas.designated_teacher,
        personas.social_worker,
        personas.authority_administrator,
    ):
        assert not pp_totals_by_year(user=user).exists()
    elsewhere = list(pp_totals_by_year(user=personas.other_authority_virtual_school_staff))
    assert [(r["financial_year"], r["approved"]) for r in elsewhere] == [(2026, Decimal("777.00"))]


# --- the pages and the CSV --------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.streaming  # sent row by row, never held whole
    content = b"".join(response.streaming_content)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_finance_csv_lists_every_request_of_the_year_with_formulas_neutralised(
    client, personas, pp_setting
):
    seed(personas, pp_setting)
    PpRequest.objects.filter(purpose="Purpose 0").update(purpose="=cmd|' /C calc'!A0")
    PpRequest.objects.filter(purpose="Purpose 1").update(purpose="@SUM(1+1)")
    PpRequest.objects.filter(purpose="Purpose 2").update(purpose="+44 tutoring")
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("pp_export"), {"year": 2026, "kind": "requests"})
    assert (
        'filename="pupil-premium-plus-northam-2026-2027-requests.csv"'
        in response["Content-Disposition"]
    )
    header, *rows = read_csv(response)
    assert header[:4] == ["Reference", "Financial year", "Requested on", "Child"]
    column = {name: n for n, name in enumerate(header)}
    assert len(rows) == sum(1 for row in SEED if row[2] == 2026)
    purposes = {row[column["Purpose"]] for row in rows}
    assert "'=cmd\\|' /C calc'!A0" in purposes  # defusedcsv: a backslash before a pipe too
    assert "'@SUM(1+1)" in purposes
    assert "'+44 tutoring" in purposes
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert {row[column["Financial year"]] for row in rows} == {"2026 to 2027"}
    requested = sum(Decimal(row[column["Amount requested"]]) for row in rows)
    assert requested == sum(Decimal(r[3]) for r in SEED if r[2] == 2026)
    approved = sum(Decimal(row[column["Amount approved"]] or 0) for row in rows)
    assert approved == sum(Decimal(r[5]) for r in SEED if r[2] == 2026 and r[5])
    assert not any("Eli" in cell for row in (header, *rows) for cell in row)
    by_status = {row[column["Status"]] for row in rows}
    assert by_status == {"Approved", "Part-approved", "Requested", "Declined"}


def test_the_finance_csv_reads_its_rows_as_tuples_not_dictionaries(
    client, personas, pp_setting, monkeypatch
):
    """Issue 20: a dictionary built for each of thousands of requests was a tenth of the
    export's time; the rows are read as plain tuples."""
    from django.db.models.query import ValuesIterable

    def refused(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the export read its rows as dictionaries")

    seed(personas, pp_setting)
    monkeypatch.setattr(ValuesIterable, "__iter__", refused)
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("pp_export"), {"year": 2026, "kind": "requests"})
    _, *rows = read_csv(response)
    assert len(rows) == sum(1 for row in SEED if row[2] == 2026)


def test_the_finance_csv_of_totals_per_school_adds_up(client, personas, pp_setting):
    seed(personas, pp_setting)
    client.force_login(personas.virtual_school_staff)
    header, *rows = read_csv(client.get(reverse("pp_export"), {"year": 2026, "kind": "schools"}))
    column = {name: n for n, name in enumerate(header)}
    got = {row[column["School"]]: row for row in rows}
    want = expected(lambda child, school, fy: school, year=2026)
    assert set(got) == {"Northam High School", "Aston Primary", "No school place"}
    high = got["Northam High School"]
    assert Decimal(high[column["Amount approved"]]) == want["high"]["approved"]
    assert Decimal(high[column["Amount waiting for a decision"]]) == want["high"]["pending"]
    assert int(high[column["Children"]]) == 2


def test_the_finance_csv_of_totals_per_child_shows_what_is_left(client, personas, pp_setting):
    seed(personas, pp_setting)
    client.force_login(personas.virtual_school_staff)
    header, *rows = read_csv(client.get(reverse("pp_export"), {"year": 2026, "kind": "children"}))
    column = {name: n for n, name in enumerate(header)}
    zara = next(row for row in rows if row[column["Child"]] == "Zara Quill")
    assert Decimal(zara[column["Allocation left"]]) == Decimal("2570") - Decimal(
        "620.50"
    ) - Decimal("250")


def test_the_totals_page_shows_each_table_with_a_caption(
    client, personas, pp_setting, on_24_november
):
    seed(personas, pp_setting)
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("pp_totals"))
    html = response.content.decode()
    assert response.context["year"] == 2026
    for table in ("pp-totals-years", "pp-totals-children"):
        assert f'id="{table}"' in html
    assert html.count("<caption") == 2
    assert "£1,299.99" in html  # Bea's approved total
    # The schools are a list of their own (hundreds in a large authority): counted and linked.
    # 2026's requests were at the high school, Aston Primary and without a school place.
    assert "Totals for each of the 3 schools" in html
    assert f"{reverse('pp_totals_schools')}?year=2026" in html
    schools = client.get(reverse("pp_totals_schools"), {"year": 2026}).content.decode()
    assert 'id="pp-totals-schools"' in schools
    assert schools.count("<caption") == 1
    assert "Aston Primary" in schools
    assert "No school place" in schools


def test_the_totals_by_school_are_paged_by_the_schools_name(
    client, personas, pp_setting, on_24_november, monkeypatch
):
    from pupil_premium import views

    monkeypatch.setattr(views, "PAGE_SIZE", 20)
    child, pep = pp_setting.child, pp_setting.pep
    # 45 schools, made in an order other than their names' (School 01 … School 45).
    for number in [*range(45, 0, -2), *range(2, 45, 2)]:
        PpRequest.objects.create(
            pep=pep,
            child=child,
            school=SchoolFactory(name=f"School {number:02d}"),
            financial_year=2026,
            amount=Decimal("10.00"),
            purpose=f"Request at school {number}",
            requested_by=personas.designated_teacher,
        )
    client.force_login(personas.virtual_school_staff)

    def shown(page: str) -> tuple[list[str], str]:
        response = client.get(reverse("pp_totals_schools"), {"year": 2026, "page": page})
        html = response.content.decode()
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        return [row["school__name"] for row in response.context["page"].object_list], title

    first, title = shown("1")
    assert first == [f"School {n:02d}" for n in range(1, 21)]
    assert "(page 1 of 3)" in " ".join(title.split())
    second, title = shown("2")
    assert second == [f"School {n:02d}" for n in range(21, 41)]
    assert "(page 2 of 3)" in " ".join(title.split())
    assert shown("3")[0] == ["School 41", "School 42", "School 43", "School 44", "School 45"]
    assert shown("99")[0] == ["School 41", "School 42", "School 43", "School 44", "School 45"]


def test_the_totals_by_child_are_paged_by_name_summing_only_the_pages_children(
    client, personas, pp_setting, on_24_november, monkeypatch
):
    from pupil_premium import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    children, _ = seed(personas, pp_setting)
    names = {child.pk: name for name, child in children.items()}
    want = expected(lambda child, school, fy: child, year=2026)
    client.force_login(personas.virtual_school_staff)

    def shown(page: str) -> tuple[list[str], list[str]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("pp_totals"), {"year": 2026, "page": page})
        assert response.context["page"].paginator.count == 4
        rows = response.context["page"].object_list
        for row in rows:
            assert money_of(row) == money_of(want[names[row["child_id"]]])
        summed = [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"]]
        return [names[row["child_id"]] for row in rows], summed

    # Amir, Bea and Cal Pupil, then Zara Quill: by last name, then first.
    first, summed = shown("1")
    assert first == ["amir", "bea"]
    # The page's children are chosen first (issue 20): the sums are of their requests only,
    # not of every child's, grouped, sorted by name and cut to a page afterwards.
    by_child = [sql for sql in summed if '"legal_last_name"' in sql]
    assert len(by_child) == 1
    assert '"quality_assurance_pprequest"."child_id" IN (SELECT' in by_child[0]
    assert shown("2")[0] == ["cal", "zara"]
    assert shown("9")[0] == ["cal", "zara"]


def _many_requests(personas, pp_setting, how_many: int) -> None:  # type: ignore[no-untyped-def]
    school: School = personas.designated_teacher.school
    rows = []
    for n in range(how_many):
        child = ChildFactory(authority=personas.authority)
        pep = Pep.objects.create(child=child, academic_year=2026, term="autumn", template="yg")
        rows.append(
            PpRequest(
                pep=pep,
                child=child,
                school=school if n % 2 else SchoolFactory(),
                financial_year=2026,
                amount=Decimal("100"),
                purpose=f"Request {n}",
                requested_by=personas.designated_teacher,
                status=[PpStatus.REQUESTED, PpStatus.APPROVED][n % 2],
                approved_amount=Decimal("100") if n % 2 else None,
            )
        )
    PpRequest.objects.bulk_create(rows)


@pytest.mark.parametrize("how_many", [5, 50])
def test_the_requests_list_takes_the_same_queries_for_5_or_50_requests(
    client, personas, pp_setting, django_assert_num_queries, how_many, on_24_november
):
    _many_requests(personas, pp_setting, how_many)
    client.force_login(personas.virtual_school_staff)
    with django_assert_num_queries(7):
        response = client.get(reverse("pp_request_list"), {"status": "", "year": 2026})
    assert response.context["page"].paginator.count == how_many


@pytest.mark.parametrize("how_many", [5, 50])
def test_the_totals_by_school_take_the_same_queries_for_5_or_50_requests(
    client, personas, pp_setting, django_assert_num_queries, how_many, on_24_november
):
    _many_requests(personas, pp_setting, how_many)
    client.force_login(personas.virtual_school_staff)
    # The session, the person, their authority and whether they may see it, the years to
    # choose from, the schools counted and the page of them: one query each.
    with django_assert_num_queries(7):
        response = client.get(reverse("pp_totals_schools"), {"year": 2026})
    # Half the requests at the designated teacher's school, each other at a school of its own.
    assert response.context["page"].paginator.count == 1 + how_many // 2 + how_many % 2


@pytest.mark.parametrize("how_many", [5, 50])
def test_the_totals_page_takes_the_same_queries_for_5_or_50_requests(
    client, personas, pp_setting, django_assert_num_queries, how_many, on_24_november
):
    _many_requests(personas, pp_setting, how_many)
    client.force_login(personas.virtual_school_staff)
    with django_assert_num_queries(10):
        response = client.get(reverse("pp_totals"), {"year": 2026})
    assert response.context["page"].paginator.count == how_many
