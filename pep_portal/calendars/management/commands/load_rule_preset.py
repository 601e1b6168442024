"""Give an authority a preset PEP rule set (creating the authority if needed), or reset it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pep_portal.calendars.presets import PRESETS
from pep_portal.calendars.services import rule_set_load_preset


class Command(BaseCommand):
    help = (
        "Create the authority if needed (slug defaults to the preset's name) with the preset's "
        "PEP rules, or reset an existing authority's rules to them. Running it again changes "
        "nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("preset", choices=sorted(PRESETS))
        parser.add_argument("--authority", metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = rule_set_load_preset(preset=options["preset"], slug=options["authority"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        authority = result.authority
        if result.authority_created:
            self.stdout.write(f"Created {authority.name} (slug “{authority.slug}”).")
            for reminder in result.preset.reminders:
                self.stdout.write(self.style.WARNING(reminder))
        if result.rules_changed:
            self.stdout.write(
                self.style.SUCCESS(f"{authority.name} now has the {result.preset.slug} PEP rules.")
            )
        else:
            self.stdout.write(f"{authority.name} already has the {result.preset.slug} PEP rules.")
