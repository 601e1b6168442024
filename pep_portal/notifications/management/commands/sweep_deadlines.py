import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from pep_portal.notifications.services import sweep_deadlines


class Command(BaseCommand):
    help = "Run the daily deadline sweep now (the same service the Celery beat job calls)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--date", help="Sweep as if today were YYYY-MM-DD.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; send nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("Give the date as YYYY-MM-DD") from None
        dues = sweep_deadlines(today=today, dry_run=bool(options["dry_run"]))
        verb = "Would send" if options["dry_run"] else "Sent"
        for due in dues:
            self.stdout.write(
                f"{due.due_on or '-'}  {due.stage:<10} {due.kind:<22} "
                f"user {due.recipient_id}  {due.message}"
            )
        self.stdout.write(f"{verb} {len(dues)} notification(s).")
