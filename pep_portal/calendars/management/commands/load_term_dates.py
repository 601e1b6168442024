"""Load an authority's or a school's term dates from a CSV or iCalendar file."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from children.models import School
from pep_portal.accounts.models import LocalAuthority
from pep_portal.calendars.services import term_dates_load
from pep_portal.calendars.term_dates import (
    MAX_BYTES,
    TermDatesError,
    read_csv,
    read_ics,
)


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Load term dates from FILE.csv (header kind,start_date,end_date,name) or FILE.ics "
        "(with --year-start and --year-end). Each academic year in the file replaces that year; "
        "a school's file with only closed rows adds closures to its authority's term dates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--authority", metavar="SLUG")
        owner.add_argument("--school", metavar="URN", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--year-start", type=_iso_date, help="iCalendar: first day of term")
        parser.add_argument("--year-end", type=_iso_date, help="iCalendar: last day of term")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        authority = school = None
        if options["authority"]:
            authority = LocalAuthority.objects.filter(slug=options["authority"]).first()
            if authority is None:
                raise CommandError(f"No authority with the slug “{options['authority']}”.")
        else:
            school = School.objects.filter(urn=options["school"]).first()
            if school is None:
                raise CommandError(f"No school with the URN {options['school']}.")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        # Refused before reading a byte of it; the readers also stop at the limit themselves.
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(
                f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB: not loaded. A "
                "year's term dates take a few dozen lines: check it is the right file."
            )
        is_ics = path.suffix.lower() in (".ics", ".ical", ".ifb", ".icalendar")
        if is_ics and not (options["year_start"] and options["year_end"]):
            raise CommandError("An iCalendar file needs --year-start and --year-end.")
        if not is_ics and (options["year_start"] or options["year_end"]):
            raise CommandError("--year-start and --year-end are only for iCalendar files.")
        notes: list[str] = []
        try:
            with path.open("rb") as stream:
                if is_ics:
                    result = read_ics(
                        stream, year_start=options["year_start"], year_end=options["year_end"]
                    )
                    rows, notes = result.rows, result.notes
                else:
                    rows = read_csv(stream)
            summary = term_dates_load(
                actor=None, rows=rows, source=path.name, authority=authority, school=school
            )
        except TermDatesError as error:
            raise CommandError(f"{path.name}: nothing was loaded.\n{error}") from None
        for line in notes + summary.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Loaded."))
