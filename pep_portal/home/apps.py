from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page and the demo data: the project level, above every other app, so it may
    gather work from all of them (docs/architecture.md)."""

    name = "pep_portal.home"
    label = "home"
    verbose_name = "Home"
