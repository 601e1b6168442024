from django.apps import AppConfig


class FileJobsConfig(AppConfig):
    name = "pep_portal.filejobs"
    label = "filejobs"
    verbose_name = "File jobs"
    default_auto_field = "django.db.models.BigAutoField"
