from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """PEP documents: the PDF of a PEP, the kept PDF of a signed-off PEP and bulk ZIPs. No
    models of its own: files live in private storage (peps.models.private_storage)."""

    name = "documents"
    verbose_name = "PEP documents"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the receivers)
