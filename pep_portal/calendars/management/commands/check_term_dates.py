"""List the authorities missing this or next academic year's term dates; with --notify, e-mail
their administrators (the twin of the calendars.notify_calendar_gaps task)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pep_portal.calendars.deadlines import academic_year_label
from pep_portal.calendars.services import calendar_gaps_notify


class Command(BaseCommand):
    help = "List authorities without term dates for this or next academic year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--notify", action="store_true", help="e-mail their administrators")

    def handle(self, *args: Any, **options: Any) -> None:
        gaps = calendar_gaps_notify(send=options["notify"])
        for slug, years in gaps.items():
            labels = ", ".join(academic_year_label(y) for y in years)
            self.stdout.write(f"{slug}: no term dates for {labels}")
        if not gaps:
            self.stdout.write("Every authority has term dates for this and next academic year.")
