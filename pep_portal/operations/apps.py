from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "pep_portal.operations"
    label = "operations"
    verbose_name = "Operations: backups and retention"
