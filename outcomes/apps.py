from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Education outcomes: attendance, suspensions and exclusions, attainment"

    def ready(self) -> None:
        from children.audit_sources import register_history_source
        from peps.records import register_records_reader

        from . import receivers, rules  # noqa: F401 (receivers: carry forward)
        from .selectors import child_histories, pep_records_state

        rules.register()
        # The PEP's attendance and attainment questions are answered by these records.
        register_records_reader(pep_records_state)
        # Every change to them is on the child's audit trail.
        register_history_source(child_histories)
