"""The portal's operators set each authority's sign-in rules and single sign-on providers in
Django admin (superusers only, themselves signed in with a second factor)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AuthoritySecurity, SensitiveAction, SingleSignOnProvider


@admin.register(AuthoritySecurity)
class AuthoritySecurityAdmin(SimpleHistoryAdmin):
    list_display = (
        "authority",
        "second_factor_for_everyone",
        "remember_device_days",
        "virtual_school_head",
    )
    raw_id_fields = ("virtual_school_head",)


@admin.register(SingleSignOnProvider)
class SingleSignOnProviderAdmin(SimpleHistoryAdmin):
    list_display = ("name", "authority", "issuer", "provider_enforces_mfa", "is_active")
    list_filter = ("authority", "is_active")


@admin.register(SensitiveAction)
class SensitiveActionAdmin(admin.ModelAdmin):
    list_display = ("done_at", "authority", "kind", "actor", "subject", "undone_at")
    list_filter = ("authority", "kind")
    list_select_related = ("authority", "actor", "subject")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
