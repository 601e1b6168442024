"""The year page's month grid, drawn by the calendar_month tag instead of ~365 template cells:
the same markup the template wrote, every value escaped (hand-written expectations)."""

import datetime as dt

from pep_portal.calendars.selectors import DayCell, Month
from pep_portal.calendars.templatetags.calendar_month import month_rows


def _cell(day: str, status: str, label: str = "") -> str:
    return month_rows(
        Month(dt.date(2025, 12, 1), [[DayCell(dt.date.fromisoformat(day), status, label)]])
    )


def test_each_kind_of_day_says_what_it_is():
    assert _cell("2025-12-01", "school_day") == (
        '<tr class="govuk-table__row">\n'
        '<td class="govuk-table__cell" data-day="2025-12-01" data-status="school_day"'
        ' data-weekday="Mon">\n'
        '  <span class="govuk-!-font-weight-bold">1</span><br class="app-month__break">\n'
        '  <strong class="govuk-tag govuk-tag--green">School day</strong>\n'
        "</td>\n</tr>"
    )
    assert '<span class="govuk-hint govuk-!-font-size-16">Weekend</span>' in _cell(
        "2025-12-06", "weekend"
    )
    assert '<strong class="govuk-tag govuk-tag--purple">Christmas Day</strong>' in _cell(
        "2025-12-25", "bank_holiday", "Christmas Day"
    )
    assert '<strong class="govuk-tag govuk-tag--grey">INSET day</strong>' in _cell(
        "2025-12-19", "closed", "INSET day"
    )
    assert '<strong class="govuk-tag govuk-tag--red">Not loaded</strong>' in _cell(
        "2025-12-02", "not_loaded"
    )
    assert '<span class="govuk-hint govuk-!-font-size-16">Not in term</span>' in _cell(
        "2025-12-22", "not_term"
    )


def test_a_closures_name_is_escaped():
    row = _cell("2025-12-19", "closed", '<script>alert("x")</script> & co')
    assert "<script>" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in row


def test_days_outside_the_month_are_empty_cells():
    week = [None, DayCell(dt.date(2025, 12, 2), "school_day", "")]
    row = month_rows(Month(dt.date(2025, 12, 1), [week]))
    assert row.startswith('<tr class="govuk-table__row">\n<td class="govuk-table__cell"></td>\n')
    assert row.count("<td") == 2
