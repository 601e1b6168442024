from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "PEP meetings"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the receivers)
