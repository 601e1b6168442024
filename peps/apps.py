from django.apps import AppConfig


class PepsConfig(AppConfig):
    name = "peps"
    verbose_name = "Personal education plans"

    def ready(self) -> None:
        from . import leaving_care, rules  # noqa: F401 (leaving_care: closes PEPs on leaving care)

        rules.register()
