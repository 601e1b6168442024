from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """PEP documents: the PDF of a PEP, the kept PDFs of a signed-off PEP (one version per
    later decision, KeptPdf) and bulk ZIPs. Files live in private storage
    (peps.models.private_storage)."""

    name = "documents"
    verbose_name = "PEP documents"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 (importing receivers connects them)

        rules.register()
