from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = "Children, schools and care"

    def ready(self) -> None:
        # Django's way to wire an app once the registry is loaded: the rules and the access
        # module import models, which apps.py itself may not at import time.
        from pep_portal.accounts.signals import care_team_facts_changed

        from . import access, rules

        rules.register()
        care_team_facts_changed.connect(
            access.sync_access_of_people, dispatch_uid="children.sync_access_of_people"
        )
