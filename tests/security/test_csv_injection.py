"""Formula injection in every CSV export: text someone typed that a spreadsheet would run
(starting =, +, -, @, tab or carriage return) arrives as text, prefixed with an apostrophe.

The exports: term dates (authority and school, one writer), the PEP dashboard (numbers and the
portal's own term labels only: nothing typed), Pupil Premium Plus finance, and the audit log."""

import csv
import io

import pytest
from django.urls import reverse

from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.calendars.models import CalendarPeriod

from . import world

PAYLOAD = "cmd|' /C calc'!A0"
# What a spreadsheet must receive, by hand: defusedcsv's apostrophe (and its backslash before a
# pipe) for = + - @; for a leading tab or carriage return, pep_portal.csv_export's apostrophe.
EXPECTED = {
    "=": "'=cmd\\|' /C calc'!A0",
    "+": "'+cmd\\|' /C calc'!A0",
    "-": "'-cmd\\|' /C calc'!A0",
    "@": "'@cmd\\|' /C calc'!A0",
    "\t": "'\tcmd|' /C calc'!A0",
    "\r": "'\rcmd|' /C calc'!A0",
}


def _cells(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    return [cell for row in rows for cell in row]


@pytest.fixture
def sides(personas, pep_setting):  # type: ignore[no-untyped-def]
    return world.northam(personas, pep_setting)


@pytest.mark.parametrize("prefix", list(EXPECTED))
def test_term_dates_export(client, personas, sides, prefix):
    CalendarPeriod.objects.filter(pk=sides.period.pk).update(name=prefix + PAYLOAD)
    year = sides.period.calendar.academic_year
    client.force_login(personas.virtual_school_staff)
    cells = _cells(client.get(reverse("calendar_export", args=[year])))
    assert EXPECTED[prefix] in cells
    assert prefix + PAYLOAD not in cells


@pytest.mark.parametrize("prefix", list(EXPECTED))
def test_pupil_premium_plus_export(client, personas, sides, prefix):
    type(sides.pp_request).objects.filter(pk=sides.pp_request.pk).update(purpose=prefix + PAYLOAD)
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("pp_export"), {"year": 2026, "kind": "requests"})
    cells = _cells(response)
    assert EXPECTED[prefix] in cells
    assert prefix + PAYLOAD not in cells


@pytest.mark.parametrize("prefix", list(EXPECTED))
def test_audit_log_export(client, personas, prefix):
    AuditEvent.objects.create(
        action=AuditAction.SIGN_IN_FAILED,
        actor_label=prefix + PAYLOAD,
        authority=personas.authority,
    )
    client.force_login(personas.authority_administrator)
    cells = _cells(client.get(reverse("audit_export"), {"action": "sign_in_failed"}))
    assert EXPECTED[prefix] in cells
    assert prefix + PAYLOAD not in cells


def test_the_dashboard_export_has_no_typed_text(client, personas, sides):
    client.force_login(personas.virtual_school_staff)
    cells = _cells(client.get(reverse("vs_dashboard_csv")))
    header, labels = cells[:5], cells[5::5]
    assert header == ["term", "peps", "signed_off", "overdue", "due"]
    # Term names only (registration sets up each child's initial PEP, so "Initial" is one).
    assert all(label.split()[0] in ("Initial", "Autumn", "Spring", "Summer") for label in labels)
