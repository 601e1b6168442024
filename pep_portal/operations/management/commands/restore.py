from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pep_portal.operations.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup (a folder made by `backup`) into the configured database and files "
        "folder, which must both be empty. The backup is checked against its manifest first."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("folder", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        try:
            manifest = backup_restore(folder=options["folder"])  # type: ignore[arg-type]
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored the database and {manifest['files']['count']} files from the backup "
            f"made {manifest['created_at']}."
        )
