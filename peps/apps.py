from django.apps import AppConfig


class PepsConfig(AppConfig):
    name = "peps"
    verbose_name = "Personal education plans"

    def ready(self) -> None:
        from . import pdf_rules, rules

        rules.register()
        pdf_rules.register()
