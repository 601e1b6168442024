from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pep_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications and reminders"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the receivers)
