from django.apps import AppConfig


class RollConfig(AppConfig):
    name = "roll"
    verbose_name = "The virtual school's roll (SSDA903 imports)"

    def ready(self) -> None:
        from . import rules

        rules.register()
