from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "PEP meetings"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 (importing receivers connects them)

        rules.register()
