from django.core.management.base import BaseCommand

from pep_portal.outbox.services import relay_outbox


class Command(BaseCommand):
    help = (
        "Publish queued work that has not reached the broker yet (Redis was down). Safe to run "
        "at any time, beside the every-minute relay: nothing is published twice."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = relay_outbox()
        self.stdout.write(
            f"Sent {result.sent}, failed {result.failed}, still waiting {result.waiting}; "
            f"removed {result.pruned} sent more than a week ago."
        )
