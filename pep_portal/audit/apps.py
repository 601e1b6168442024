from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pep_portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Sign-ins and failed sign-ins arrive as django.contrib.auth's signals.
        from . import receivers  # noqa: F401
