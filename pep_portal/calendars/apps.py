from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "pep_portal.calendars"
    label = "calendars"
    verbose_name = "School-day calendars and PEP rules"

    def ready(self) -> None:
        from . import rules

        rules.register()
