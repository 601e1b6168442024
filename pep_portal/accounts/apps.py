from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pep_portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import LocalAuthority
        from .permissions import register_account_rules
        from .selectors import forget_help_contact

        register_account_rules()

        def forget(sender: object, instance: LocalAuthority, **kwargs: object) -> None:
            forget_help_contact(instance.pk)

        post_save.connect(forget, sender=LocalAuthority, dispatch_uid="help_contact_saved")
        post_delete.connect(forget, sender=LocalAuthority, dispatch_uid="help_contact_deleted")
