from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Read-only pages that gather figures from several apps (the virtual school's dashboard).
    No models: each figure is asked of the app that owns it."""

    name = "dashboards"
    verbose_name = "Dashboards"
