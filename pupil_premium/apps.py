from django.apps import AppConfig


class PupilPremiumConfig(AppConfig):
    name = "pupil_premium"
    verbose_name = "Pupil Premium Plus"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401  (receivers connect on import)

        rules.register()
