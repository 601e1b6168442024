from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Education outcomes: attendance, suspensions and exclusions, attainment"

    def ready(self) -> None:
        from peps.records import register_records_reader

        from . import receivers, rules  # noqa: F401 (receivers: carry forward)
        from .selectors import pep_records_state

        rules.register()
        # The PEP's attendance and attainment questions are answered by these records.
        register_records_reader(pep_records_state)
