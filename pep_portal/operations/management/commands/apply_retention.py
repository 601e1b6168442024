import dataclasses
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from pep_portal.operations.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Apply each authority's retention rule now (the nightly job's service). Prints counts "
        "by authority id, never a name. --dry-run deletes nothing."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--date", help="As if today were YYYY-MM-DD.")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None  # type: ignore[arg-type]
        except ValueError:
            raise CommandError("Give the date as YYYY-MM-DD") from None
        report = apply_retention(today=today, dry_run=bool(options["dry_run"]))
        self.stdout.write(str(dataclasses.asdict(report)))
