import datetime as dt
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from pep_portal.notifications.services import sweep_deadlines


class Command(BaseCommand):
    help = (
        "Run the daily deadline sweep now (the same service the Celery beat job calls). "
        "Prints ids and counts only: its output ends up in logs, so never a child's name."
    )

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
        # The item key ("pep12", "la3", "la3y2027") and the recipient's id identify each
        # notification; its message names the child, so it stays in the portal.
        for due in dues:
            self.stdout.write(
                f"{due.due_on or '-'}  {due.stage:<10} {due.kind:<22} "
                f"item {due.item}  user {due.recipient_id}"
            )
        counts = Counter((due.kind, due.stage) for due in dues)
        for (kind, stage), n in sorted(counts.items()):
            self.stdout.write(f"{kind} {stage}: {n}")
        self.stdout.write(f"{verb} {len(dues)} notification(s).")
