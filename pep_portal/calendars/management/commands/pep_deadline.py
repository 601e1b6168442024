"""Print a child's initial PEP due date and how it was worked out, to check a date by hand."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from children.models import School
from pep_portal.accounts.models import LocalAuthority
from pep_portal.calendars.deadlines import CalendarMissing, initial_pep_due
from pep_portal.calendars.selectors import (
    RulesMissing,
    calendar_for_authority,
    calendar_for_school,
    rules_for_authority,
)


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Print the initial PEP due date (ISO, first line), then the rule and the calendar "
        "used. Day 0 is the day the child became looked after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--authority", metavar="SLUG", required=True)
        parser.add_argument("--entered-care", metavar="YYYY-MM-DD", type=_iso_date, required=True)
        parser.add_argument("--emergency", action="store_true", help="an emergency placement")
        parser.add_argument("--school", metavar="URN", type=int, help="the child's school")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = LocalAuthority.objects.filter(slug=options["authority"]).first()
        if authority is None:
            raise CommandError(f"No authority with the slug “{options['authority']}”.")
        if options["school"] is not None:
            school = School.objects.filter(urn=options["school"]).first()
            if school is None:
                raise CommandError(f"No school with the URN {options['school']}.")
            calendar = calendar_for_school(school, responsible=authority)
        else:
            calendar = calendar_for_authority(authority)
        try:
            deadline = initial_pep_due(
                rules_for_authority(authority),
                calendar,
                entered_care=options["entered_care"],
                emergency=options["emergency"],
            )
        except (CalendarMissing, RulesMissing) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(deadline.due.isoformat())
        for line in deadline.explain():
            self.stdout.write(line)
