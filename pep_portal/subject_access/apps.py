from django.apps import AppConfig


class SubjectAccessConfig(AppConfig):
    """Subject access exports: no models of their own; each export is a file job."""

    name = "pep_portal.subject_access"
    label = "subject_access"
    verbose_name = "Subject access"

    def ready(self) -> None:
        from pep_portal.filejobs.models import FileJobKind
        from pep_portal.filejobs.services import register

        from .services import build_subject_access_zip

        register(FileJobKind.SUBJECT_ACCESS, build_subject_access_zip)
