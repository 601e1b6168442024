from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pep_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications and reminders"

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 (importing receivers connects them)

        rules.register()
