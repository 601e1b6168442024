from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = "Children, schools and care"

    def ready(self) -> None:
        # Django's way to wire an app once the registry is loaded: the rules and the access
        # module import models, which apps.py itself may not at import time.
        from pep_portal.accounts.signals import care_team_facts_changed

        from . import access, receivers, rules  # noqa: F401 (receivers: access grants to the audit log)

        rules.register()
        care_team_facts_changed.connect(
            access.sync_access_of_people, dispatch_uid="children.sync_access_of_people"
        )
