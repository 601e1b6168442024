from django.core.management.base import BaseCommand

from pep_portal.scheduling.services import run_due_daily_jobs


class Command(BaseCommand):
    help = (
        "Queue the daily jobs that are due today and not yet run (the same service beat's tick "
        "calls). Safe to run at any time: a day's job is never queued twice."
    )

    def handle(self, *args: object, **options: object) -> None:
        queued = run_due_daily_jobs()
        self.stdout.write("Queued: " + (", ".join(queued) if queued else "nothing due"))
