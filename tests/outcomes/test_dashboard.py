"""The education outcomes dashboard: every figure agrees with a count made independently here
(from the figures the test itself wrote), for this year and last; the filters narrow it; the
children behind a figure are one click away; the CSV carries the same figures; only the virtual
school opens it."""

import csv
import datetime as dt
import io
from typing import Any

from django.urls import reverse
from openpyxl import load_workbook

from children.models import Child, Cohort, Enrolment
from outcomes import services
from tests.factories import SchoolFactory

YEAR = 2025
# (name, SEN, at the in-area school?, [(present, possible) per term this year], last year's)
CHILDREN = [
    ("Ann", "none", True, [(180, 200), (95, 100)], [(100, 100)]),  # 275/300 = 91.67 %
    ("Ben", "ehcp", True, [(89, 100)], [(40, 100)]),  # 89 %: persistent; last year severe
    ("Cal", "none", False, [(45, 100), (5, 10)], []),  # 50/110 = 45.45 %: severe
    ("Dot", "sen_support", False, [], []),  # nothing recorded
]


def _make(personas: Any) -> dict[str, Child]:
    in_area = SchoolFactory(la_code=personas.authority.la_code, name="Near School")
    out_area = SchoolFactory(la_code="999", name="Far School")
    made = {}
    for name, sen, near, this_year, last_year in CHILDREN:
        child = Child.objects.create(
            authority=personas.authority,
            legal_first_name=name,
            legal_last_name="Cohort",
            date_of_birth=dt.date(2014, 10, 1),  # Year 6 in 2025/26
            gender="not_known",
            sen_status=sen,
            cohort=Cohort.LOOKED_AFTER,
            virtual_school_adviser=personas.virtual_school_staff,
        )
        Enrolment.objects.create(
            child=child, school=in_area if near else out_area, started_on=dt.date(2024, 9, 1)
        )
        for year, terms in ((YEAR, this_year), (YEAR - 1, last_year)):
            for (present, possible), term in zip(terms, ("autumn", "spring"), strict=False):
                services.attendance_save(
                    actor=None,
                    child=child,
                    academic_year=year,
                    term=term,
                    possible=possible,
                    present=present,
                    authorised=possible - present,
                    unauthorised=0,
                )
        made[name] = child
    return made


def test_the_figures_agree_with_an_independent_count(client: Any, personas: Any) -> None:
    kids = _make(personas)
    services.exclusion_record(
        actor=None,
        child=kids["Ben"],
        kind="suspension",
        started_on=dt.date(2025, 10, 6),
        sessions_lost=4,
        reason="PD",
    )
    services.exclusion_record(
        actor=None,
        child=kids["Ben"],
        kind="suspension",
        started_on=dt.date(2026, 2, 2),
        sessions_lost=2,
        reason="VA",
    )
    services.exclusion_record(
        actor=None,
        child=kids["Cal"],
        kind="permanent",
        started_on=dt.date(2026, 3, 2),
        sessions_lost=10,
        reason="PA",
    )
    services.exclusion_record(  # last year
        actor=None,
        child=kids["Ann"],
        kind="suspension",
        started_on=dt.date(2025, 6, 2),
        sessions_lost=1,
        reason="DM",
    )
    for name, stage, subject, values in (
        ("Ann", "ks2", "reading", {"working_at": "exs"}),
        ("Ann", "ks2", "maths", {"working_at": "wts"}),
        ("Ben", "ks2", "reading", {"working_at": "gds"}),
        ("Ben", "ks2", "mtc", {"score": 20}),  # no expected standard: not counted
    ):
        services.attainment_save(
            actor=None,
            child=kids[name],
            academic_year=YEAR,
            term="spring",
            key_stage=stage,
            subject=subject,
            values=values,
        )
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("outcomes_dashboard"), {"year": YEAR})
    board = response.context["board"]
    this, last = board.this_year, board.last_year
    # By hand: Ann 91.67, Ben 89.00, Cal 45.45 → mean 75.37; persistent Ben and Cal; severe Cal.
    assert this["cohort"] == 4
    assert this["attendance"]["children"] == 3
    assert str(this["attendance"]["mean"]) == "75.37"
    assert (this["attendance"]["persistent"], this["attendance"]["severe"]) == (2, 1)
    assert str(this["attendance"]["persistent_rate"]) == "66.7"
    # Last year: Ann 100, Ben 40 → mean 70; Ben persistent and severe.
    assert (last["attendance"]["children"], str(last["attendance"]["mean"])) == (2, "70.00")
    assert (last["attendance"]["persistent"], last["attendance"]["severe"]) == (1, 1)
    assert this["exclusions"] == {
        "suspensions": 2,
        "suspended_children": 1,
        "permanent": 1,
        "sessions_lost": 16,
    }
    assert last["exclusions"]["suspensions"] == 1
    ks2 = next(r for r in this["attainment"] if r["key_stage"] == "ks2")
    assert (ks2["children"], ks2["assessments"], ks2["met"]) == (2, 3, 2)

    # The children behind a figure.
    response = client.get(reverse("outcomes_dashboard"), {"year": YEAR, "show": "persistent"})
    assert [c.legal_first_name for c in response.context["behind"]] == ["Ben", "Cal"]
    # Filters: out of area only (Cal, Dot); SEN support only (Dot, nothing recorded).
    response = client.get(reverse("outcomes_dashboard"), {"year": YEAR, "area": "out"})
    out = response.context["board"].this_year
    assert (out["cohort"], out["attendance"]["children"], out["attendance"]["severe"]) == (2, 1, 1)
    response = client.get(reverse("outcomes_dashboard"), {"year": YEAR, "sen": "ehcp"})
    assert response.context["board"].this_year["attendance"]["persistent"] == 1
    response = client.get(reverse("outcomes_dashboard"), {"year": YEAR, "year_group": 5})
    assert response.context["board"].this_year["cohort"] == 0

    # The CSV says the same.
    response = client.get(reverse("outcomes_dashboard_csv"), {"year": YEAR})
    rows = {(r[0], r[1]): r[2:] for r in csv.reader(io.StringIO(response.content.decode()))}
    assert rows[("attendance", "persistent")] == ["2", "1"]
    assert rows[("exclusions", "sessions_lost")] == ["16", "1"]
    assert rows[("attainment ks2", "met")] == ["2", "0"]

    # The XLSX says the same, a sheet per table, read back by a spreadsheet library.
    response = client.get(reverse("outcomes_dashboard_xlsx"), {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "education-outcomes-2025.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["cohort", "attendance", "exclusions", "attainment"]
    assert [c.value for c in book["attendance"][1]] == ["figure", "2025/26", "2024/25"]
    figures = {r[0]: r[1:] for r in book["attendance"].iter_rows(min_row=2, values_only=True)}
    assert figures["persistent"] == (2, 1)
    assert figures["severe"] == (1, 1)
    assert figures["children"] == (3, 2)
    assert figures["mean"] == (75.37, 70)
    assert figures["persistent_rate"] == (66.7, 50)
    assert next(book["cohort"].iter_rows(min_row=2, values_only=True)) == ("children", 4, 4)
    exclusions = {r[0]: r[1:] for r in book["exclusions"].iter_rows(min_row=2, values_only=True)}
    assert exclusions == {
        "suspensions": (2, 1),
        "suspended_children": (1, 1),
        "permanent": (1, 0),
        "sessions_lost": (16, 1),
    }
    attainment = {
        (r[0], r[1]): r[2:] for r in book["attainment"].iter_rows(min_row=2, values_only=True)
    }
    assert attainment[("ks2", "met")] == (2, 0)
    assert attainment[("ks2", "assessments")] == (3, 0)
    assert attainment[("ks2", "rate")] == (66.7, None)
    assert len(attainment) == 6 * 4  # every key stage, four figures each
    # Filters apply to the download too: out of area, Cal's severe absence only.
    response = client.get(reverse("outcomes_dashboard_xlsx"), {"year": YEAR, "area": "out"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    figures = {r[0]: r[1:] for r in book["attendance"].iter_rows(min_row=2, values_only=True)}
    assert (figures["children"][0], figures["severe"][0]) == (1, 1)

    # Only the virtual school.
    for name in ("designated_teacher", "social_worker"):
        client.force_login(getattr(personas, name))
        assert client.get(reverse("outcomes_dashboard")).status_code == 403
        assert client.get(reverse("outcomes_dashboard_csv")).status_code == 403
        assert client.get(reverse("outcomes_dashboard_xlsx")).status_code == 403
    # Another authority's virtual school counts none of these children.
    client.force_login(personas.other_authority_virtual_school_staff)
    response = client.get(reverse("outcomes_dashboard"), {"year": YEAR})
    assert response.context["board"].this_year["cohort"] == 0
