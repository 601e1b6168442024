from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """PEP documents: the PDF of a PEP, the kept PDF of a signed-off PEP and bulk ZIPs. No
    models of its own: files live in private storage (pep_portal/files.py), jobs are file jobs
    (pep_portal/filejobs)."""

    name = "documents"
    verbose_name = "PEP documents"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 (importing receivers connects them)

        rules.register()
        from pep_portal.filejobs.models import FileJobKind
        from pep_portal.filejobs.services import register

        from .services import build_pep_bundle, build_pep_pdf

        register(FileJobKind.PEP_BUNDLE, build_pep_bundle)
        register(FileJobKind.PEP_PDF, build_pep_pdf)
