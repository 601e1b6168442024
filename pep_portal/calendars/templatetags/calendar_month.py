"""The month-by-month grid of the calendar year page, drawn in Python.

The year page draws ~365 day cells; through the template language each cost a dozen nodes
(an if-chain of five tests, four lookups), most of the page's CPU time (issue 20). This tag
writes the same markup with plain string formatting, every value escaped."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from pep_portal.calendars.selectors import DayCell, DayStatus, Month

register = template.Library()

_HINT = '<span class="govuk-hint govuk-!-font-size-16">{}</span>'
_TAG = '<strong class="govuk-tag govuk-tag--{}">{}</strong>'


def _what(cell: DayCell) -> str:
    """What the cell says about the day (a school day, a weekend, a closure's name, …)."""
    if cell.counts:
        return _TAG.format("green", "School day")
    if cell.status == DayStatus.WEEKEND:
        return _HINT.format("Weekend")
    if cell.status == DayStatus.BANK_HOLIDAY:
        return _TAG.format("purple", escape(cell.label))
    if cell.status == DayStatus.CLOSED:
        return _TAG.format("grey", escape(cell.label))
    if cell.status == DayStatus.NOT_LOADED:
        return _TAG.format("red", "Not loaded")
    return _HINT.format("Not in term")


def _cell(cell: DayCell | None) -> str:
    if cell is None:
        return '<td class="govuk-table__cell"></td>'
    return (
        f'<td class="govuk-table__cell" data-day="{cell.iso}" data-status="{escape(cell.status)}"'
        f' data-weekday="{cell.weekday}">\n'
        f'  <span class="govuk-!-font-weight-bold">{cell.day.day}</span>'
        f'<br class="app-month__break">\n  {_what(cell)}\n</td>'
    )


@register.simple_tag
def month_rows(month: Month) -> SafeString:
    """The month's weeks as table rows, Monday first: `{% month_rows month %}`."""
    rows = (
        '<tr class="govuk-table__row">\n' + "\n".join(_cell(cell) for cell in week) + "\n</tr>"
        for week in month.weeks
    )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped or ours
