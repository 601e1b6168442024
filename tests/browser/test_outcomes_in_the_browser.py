"""The child's page with the attendance chart and the education outcomes dashboard, in a real
browser under the real CSP: axe finds nothing serious on either, and the chart's bars say the
same figures as the table beneath it."""

import datetime as dt

import pytest
from django.urls import reverse

from outcomes import services
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def test_the_child_page_chart_and_the_dashboard_are_accessible(page, personas, setting):  # type: ignore[no-untyped-def]
    child = setting.child
    for term, present in (("autumn", 171), ("spring", 150), ("summer", 80)):
        services.attendance_save(
            actor=None,
            child=child,
            academic_year=2025,
            term=term,
            possible=180,
            present=present,
            authorised=180 - present,
            unauthorised=0,
        )
    services.exclusion_record(
        actor=None,
        child=child,
        kind="suspension",
        started_on=dt.date(2025, 10, 6),
        sessions_lost=4,
        reason="PD",
    )
    services.part_time_record(
        actor=None,
        child=child,
        started_on=dt.date(2025, 11, 3),
        review_on=dt.date(2025, 12, 1),
        hours_per_week=None,
        reason="A phased return after a suspension",
    )
    services.missing_education_record(
        actor=None, child=child, started_on=dt.date(2025, 6, 2), ended_on=dt.date(2025, 7, 4)
    )
    sign_in(page, personas.virtual_school_staff.email, PASSWORD)
    page.goto(reverse("child_detail", args=[child.pk]))
    # The part-time timetable and the time without a setting, in their tables.
    assert "A phased return" in page.locator("#part-time-table").inner_text()
    assert "33" in page.locator("#missing-education-table").inner_text()  # 2 June to 4 July
    chart = page.locator("#attendance-chart svg")
    assert chart.get_attribute("role") == "img"
    bars = chart.locator("rect").evaluate_all("rs => rs.map(r => r.dataset.value)")
    cells = page.locator("#attendance-table tbody td:nth-child(6)").all_inner_texts()
    # By hand: 171/180 = 95.00, 150/180 = 83.33, 80/180 = 44.44.
    assert bars == ["95.00", "83.33", "44.44"]
    assert cells == ["95.00%", "83.33%", "44.44%"]
    assert accessibility_violations(page) == []
    page.goto(reverse("outcomes_dashboard") + "?year=2025")
    assert page.locator("#dashboard-attendance").is_visible()
    assert accessibility_violations(page) == []
    # The form to record a part-time timetable, refused empty: its errors are accessible too.
    page.goto(reverse("outcomes_part_time_add", args=[child.pk]))
    page.get_by_role("button", name="Save part-time timetable").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert accessibility_violations(page) == []
