from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from children.school_import import MAX_FILE_BYTES, import_schools, parse_gias_csv
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction


class Command(BaseCommand):
    help = (
        "Create or update schools from a Get Information About Schools (GIAS) establishment "
        "CSV. Nothing is saved if any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the GIAS establishment CSV")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, saving nothing",
        )

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            with file.open("rb") as stream:
                # One byte past the limit is enough for the parser to refuse a file that is too
                # big, without reading all of it into memory.
                data = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc

        result = parse_gias_csv(data)
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} problem(s) in {file.name}: nothing was imported."
            )

        summary = import_schools(result.rows, dry_run=dry_run)
        if not dry_run:
            audit.record(
                None,
                AuditAction.IMPORTED,
                detail={
                    "import": "schools (GIAS)",
                    "file": file.name[-200:],
                    "created": summary.created,
                    "updated": summary.updated,
                    "closed": summary.closed,
                },
                actor_label="import_schools command",
            )
        if result.skipped:
            kinds = sorted({row.establishment_type for row in result.skipped})
            self.stdout.write(
                f"Left out {len(result.skipped)} establishments of types the portal does not "
                f"hold: {', '.join(kinds)}."
            )
        counts = (
            f"{summary.total} schools: {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged; {summary.closed} closed"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would import {counts}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {counts}"))
