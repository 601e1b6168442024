"""Every change to a child's education records is on the child's audit trail, with who made
it and what changed, as the changes to the child's own details are (the outcomes app registers
its histories with children/audit_sources.py)."""

from typing import Any

import pytest
from django.urls import reverse

from outcomes import services


@pytest.mark.django_db
def test_a_change_of_attendance_is_on_the_childs_audit_trail(
    client: Any, personas: Any, setting: Any
) -> None:
    child, teacher = setting.child, personas.designated_teacher
    sessions = {"possible": 100, "present": 90, "authorised": 6, "unauthorised": 4}
    services.attendance_save(
        actor=teacher, child=child, academic_year=2026, term="autumn", **sessions
    )
    services.attendance_save(
        actor=teacher,
        child=child,
        academic_year=2026,
        term="autumn",
        **(sessions | {"present": 94, "authorised": 2}),
    )
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    client.force_login(admin)
    html = client.get(reverse("child_audit", args=[child.pk])).content.decode()
    assert "Attendance created" in html and "Attendance changed" in html
    assert "sessions present: “90” → “94”" in html
    assert "authorised absence: “6” → “2”" in html
    # The row says who made the change.
    [row] = [r for r in html.split('<tr class="govuk-table__row">') if "Attendance changed" in r]
    assert f'<td class="govuk-table__cell">{teacher.full_name}</td>' in row
