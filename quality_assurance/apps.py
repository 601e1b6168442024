from django.apps import AppConfig


class QualityAssuranceConfig(AppConfig):
    name = "quality_assurance"
    verbose_name = "Quality assurance and Pupil Premium Plus"

    def ready(self) -> None:
        from . import rules

        rules.register()
