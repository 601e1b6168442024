from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pep_portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"
