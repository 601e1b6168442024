from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pep_portal.scheduling import heartbeat


class Command(BaseCommand):
    help = (
        "Exit 0 if Celery beat ticked recently (its heartbeat in Redis), else 1: the beat "
        "container's health check."
    )

    def handle(self, *args: object, **options: object) -> None:
        seconds = heartbeat.age(heartbeat.BEAT)
        if seconds is None or seconds > settings.BEAT_HEARTBEAT_MAX_AGE:
            raise CommandError("beat has not ticked recently")
        self.stdout.write(f"beat ticked {seconds:.0f} s ago")
