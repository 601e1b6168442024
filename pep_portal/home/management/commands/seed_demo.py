from django.core.management.base import BaseCommand

from pep_portal.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the fictional Demo Borough data (idempotent: a second run changes nothing)."

    def handle(self, *args: object, **options: object) -> None:
        created = seed_demo()
        summary = ", ".join(f"{n} {kind}" for kind, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created {summary})."))
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
