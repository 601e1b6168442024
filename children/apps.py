from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = "Children, schools and care"

    def ready(self) -> None:
        # Grants and revokes of access to children go to the audit log.
        from . import receivers  # noqa: F401
