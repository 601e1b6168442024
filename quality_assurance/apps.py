from django.apps import AppConfig


class QualityAssuranceConfig(AppConfig):
    name = "quality_assurance"
    verbose_name = "Quality assurance"

    def ready(self) -> None:
        from . import rules

        rules.register()
