import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pep_portal.accounts.models import LocalAuthority
from roll.services import roll_import, summary_line
from roll.ssda903 import MAX_FILE_BYTES, parse_extract


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of: {value!r} is not a date written YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Bring an authority's roll up to date from the case system's SSDA903 extract: "
        "header.csv and episodes.csv, or one XML file. Nothing is saved if any row is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", type=Path, help="header.csv episodes.csv, or one XML"
        )
        parser.add_argument("--authority", required=True, help="the authority's slug")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="the date the extract describes (default today)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, saving nothing"
        )

    def handle(
        self,
        *args: Any,
        files: list[Path],
        authority: str,
        as_of: dt.date | None,
        dry_run: bool,
        **options: Any,
    ) -> None:
        found = LocalAuthority.objects.filter(slug=authority).first()
        if found is None:
            raise CommandError(f"No authority {authority!r}")
        as_of = as_of or timezone.localdate()
        contents = []
        for file in files:
            try:
                with file.open("rb") as stream:
                    contents.append((file.name, stream.read(MAX_FILE_BYTES + 1)))
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        extract = parse_extract(contents, as_of)
        result = roll_import(
            authority=found,
            extract=extract,
            as_of=as_of,
            dry_run=dry_run,
            file_label=", ".join(f.name for f in files),
        )
        for problem in result.errors:
            self.stderr.write(str(problem))
        if result.refused:
            raise CommandError(
                f"{len(result.errors)} problem(s) in {result.counts.refused_rows} row(s): "
                "nothing was imported."
            )
        for warning in result.warnings:
            self.stdout.write(f"Warning: {warning}")
        for difference in result.differences:
            self.stdout.write(f"Not changed: {difference}")
        c = result.counts
        line = (
            f"{summary_line(c)}; {c.updated_records} records updated, {c.unchanged_children} "
            f"children unchanged, {c.warnings} warnings; left out: {c.not_looked_after} not "
            f"looked after in the extract, {c.too_young} younger than the roll's youngest age"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would import: {line}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {line}"))
