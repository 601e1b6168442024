from django.core.management.base import BaseCommand, CommandError

from children.access import AccessDifferences, access_differences, access_repair


class Command(BaseCommand):
    help = (
        "Compare every access row (who may see which child) with the care team derived from "
        "the facts, and list the differences; --repair puts them right. Prints ids only: its "
        "output ends up in logs, so never a name. Exits non-zero when differences remain."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--repair", action="store_true", help="Add the missing rows and remove the extra."
        )

    def handle(self, *args: object, **options: object) -> None:
        repair = bool(options["repair"])
        found = access_repair() if repair else access_differences()
        self._report(found)
        if not found:
            self.stdout.write("Access rows match the care teams.")
        elif repair:
            self.stdout.write(
                f"Repaired: {len(found.missing)} missing row(s) added, "
                f"{len(found.extra)} extra row(s) removed."
            )
        else:
            raise CommandError(
                f"{len(found.missing)} missing and {len(found.extra)} extra access row(s): "
                "run check_access --repair"
            )

    def _report(self, found: AccessDifferences) -> None:
        for child_id, user_id in found.missing:
            self.stdout.write(f"missing  child {child_id}  user {user_id}")
        for child_id, user_id in found.extra:
            self.stdout.write(f"extra    child {child_id}  user {user_id}")
