from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.pdf import RenderTimeout
from documents.services import pep_pdf_for
from peps.models import Pep


class Command(BaseCommand):
    help = (
        "Write a PEP as a PDF: as signed off (the kept file) or as it stands now. "
        "For support staff; the file holds a child's personal data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pep_id", type=int, help="the PEP's id")
        parser.add_argument(
            "--out",
            type=Path,
            help="where to write the PDF (default: its own name, e.g. AB_2026-11-10_PEP.pdf, "
            "in the current folder)",
        )

    def handle(self, *args: Any, pep_id: int, out: Path | None, **options: Any) -> None:
        pep = (
            Pep.objects.select_related("child", "child__authority", "signed_off_by")
            .filter(pk=pep_id)
            .first()
        )
        if pep is None:
            raise CommandError(f"There is no PEP {pep_id}")
        try:
            document = pep_pdf_for(pep)
        except RenderTimeout as error:
            raise CommandError(str(error)) from error
        target = out or Path(document.filename)
        try:
            target.write_bytes(document.content)
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror}") from error
        self.stdout.write(f"Wrote {target} ({len(document.content):,} bytes)")
