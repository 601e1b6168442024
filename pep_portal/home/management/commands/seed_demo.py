from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pep_portal.demo import DEMO_PASSWORD, seed_demo
from pep_portal.demo_bulk import seed_bulk


class Command(BaseCommand):
    help = (
        "Create the fictional Demo Borough data (idempotent: a second run changes nothing). "
        "With --children N, also K large fictional authorities of N children each, in bulk "
        "(README, 'Performance')."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--children",
            type=int,
            default=0,
            help="children in care in each large authority ('Bulk Borough 1', …)",
        )
        parser.add_argument(
            "--authorities", type=int, default=1, help="how many large authorities (default 1)"
        )

    def handle(self, *args: object, **options: object) -> None:
        children = int(options["children"])  # type: ignore[call-overload]
        authorities = int(options["authorities"])  # type: ignore[call-overload]
        if children < 0 or children > 1_000_000:
            raise CommandError("--children must be between 0 and 1,000,000")
        if authorities < 1 or authorities > 100:
            raise CommandError("--authorities must be between 1 and 100")
        created = seed_demo()
        summary = ", ".join(f"{n} {kind}" for kind, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created {summary})."))
        if children:
            bulk = seed_bulk(children=children, authorities=authorities, report=self.stdout.write)
            summary = ", ".join(f"{n:,} {kind}" for kind, n in bulk.items())
            if connection.vendor == "postgresql":
                # The planner's statistics for the rows just written, and the rows the seed
                # rewrote (three dead for each PEP) made reusable: without them (autovacuum can
                # be off, or not yet round) the QA queue took 3 s instead of 0.1 s and the PP+
                # totals 19 s instead of 0.5 s at 10,000 children.
                # (VACUUM cannot run inside a transaction, as in a test: ANALYZE alone there.)
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
            self.stdout.write(self.style.SUCCESS(f"Bulk authorities ready ({summary})."))
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
