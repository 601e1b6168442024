from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pep_portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from .permissions import register_account_rules

        register_account_rules()
