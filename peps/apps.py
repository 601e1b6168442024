from django.apps import AppConfig


class PepsConfig(AppConfig):
    name = "peps"
    verbose_name = "Personal education plans"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 (importing receivers connects them)

        rules.register()
