from django.apps import AppConfig


class PepsConfig(AppConfig):
    name = "peps"
    verbose_name = "Personal education plans"

    def ready(self) -> None:
        # Importing the receivers connects them (leaving_care: closes PEPs on leaving care).
        from . import leaving_care, receivers, rules  # noqa: F401

        rules.register()
