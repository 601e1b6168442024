"""The PEP's attendance and attainment sections with their records (imported attendance to
confirm, a suspension, attainment carried forward) in a real browser under the real CSP: axe
finds nothing at any level of impact, and at 320 pixels wide the page never scrolls sideways."""

import datetime as dt

import pytest

from outcomes import services
from outcomes.models import TermAttendance
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_the_sections_with_their_records_are_accessible_and_reflow(page, personas, pep_setting):
    teacher, pep = personas.designated_teacher, pep_setting.pep
    child = pep.child
    services.attendance_save(
        actor=teacher,
        child=child,
        academic_year=2026,
        term="autumn",
        possible=120,
        present=96,
        authorised=20,
        unauthorised=4,
    )
    TermAttendance.objects.update(confirmed=False)  # as a school's data file leaves it
    services.exclusion_record(
        actor=teacher,
        child=child,
        kind="suspension",
        started_on=dt.date(2026, 10, 5),
        sessions_lost=4,
        reason="PD",
    )
    services.attainment_save(
        actor=teacher,
        child=child,
        academic_year=2026,
        term="autumn",
        key_stage="ks3",
        subject="english",
        values={"band": "at", "school_grade": "Secure 6"},
    )
    sign_in(page, teacher.email, PASSWORD)
    for key, shows in (
        ("attendance", "#attendance-sessions"),
        ("current_attainment", "#term-attainment"),
    ):
        page.set_viewport_size({"width": 1024, "height": 800})
        page.goto(f"/peps/{pep.pk}/sections/{key}/")
        assert page.locator(shows).is_visible()
        assert accessibility_violations(page) == []
        page.set_viewport_size({"width": 320, "height": 640})
        page.reload()
        assert page.evaluate(OVERFLOW) <= 0, key
    # "Mark complete" refused: the summary's first link reaches the records' heading.
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(f"/peps/{pep.pk}/")
    page.locator("#section-attendance summary").click()
    page.locator("#section-attendance").get_by_role("button", name="Mark complete").click()
    first = page.locator("#completion-refused a").first
    assert first.inner_text().startswith("Confirm or change “Attendance this term, in sessions”")
    assert first.get_attribute("href") == "#records-attendance"
    assert accessibility_violations(page) == []
