from django.apps import AppConfig


class PupilPremiumConfig(AppConfig):
    name = "pupil_premium"
    verbose_name = "Pupil Premium Plus"

    def ready(self) -> None:
        from . import rules

        rules.register()
