from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Education outcomes: attendance, suspensions and exclusions, attainment"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 (receivers: carry forward)

        rules.register()
