from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pep_portal.operations.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the files together into a new folder under --into."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--into", type=Path, required=True, help="Folder to keep backups in.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            made = backup_create(into=options["into"])  # type: ignore[arg-type]
        except BackupError as error:
            raise CommandError(str(error)) from None
        files = made.manifest["files"]["count"]
        self.stdout.write(f"Backed up the database and {files} files into {made.folder}")
