from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from children.models import School
from outcomes import mis
from outcomes.models import MisImportLayout, MisImportStatus
from outcomes.services import mis_import, mis_preview
from pep_portal.accounts.models import User


class Command(BaseCommand):
    help = (
        "Import a school's (or the authority's) MIS export of attendance or attainment, for a "
        "scheduled import. Children are matched by UPN; unmatched rows are listed; nothing is "
        "saved if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--layout", required=True, choices=MisImportLayout.values)
        parser.add_argument(
            "--as", dest="email", required=True, help="the virtual school member importing it"
        )
        parser.add_argument("--school", type=int, default=None, help="the school's URN")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, saving nothing"
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        layout: str,
        email: str,
        school: int | None,
        dry_run: bool,
        **options: Any,
    ) -> None:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No open account {email!r}")
        found = None
        if school is not None:
            found = School.objects.filter(urn=school).first()
            if found is None:
                raise CommandError(f"No school with URN {school}")
        try:
            with file.open("rb") as stream:
                content = stream.read(mis.MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            upload = mis_preview(
                actor=user, layout=layout, file_name=file.name, content=content, school=found
            )
        except PermissionDenied:
            raise CommandError(f"{email} may not import schools' data files") from None
        for error in upload.errors:
            where = f"row {error['row']}" if error["row"] else "file"
            self.stderr.write(f"{where}: {'; '.join(error['messages'])}")
        for row in upload.unmatched:
            self.stdout.write(f"row {row['row']}: no child of yours has UPN {row['upn']}")
        if upload.status == MisImportStatus.REFUSED:
            raise CommandError(f"Refused: {len(upload.errors)} rows are wrong; nothing saved")
        if dry_run:
            self.stdout.write(f"Would import {len(upload.rows)} rows (dry run: nothing saved)")
            return
        try:
            written = mis_import(actor=user, upload=upload)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(f"Refused: {exc}") from None
        self.stdout.write(
            f"Imported {written} records; {len(upload.unmatched)} rows matched no child"
        )
