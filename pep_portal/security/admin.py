"""The portal's operators set each authority's sign-in rules and single sign-on providers in
Django admin (superusers only, themselves signed in with a second factor)."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
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


class SecondFactorAdmin(admin.ModelAdmin):
    """django-otp's own admin pages show authenticator keys, unused backup codes and key
    material: an operator who can read them could pass anyone's second factor. Operators see
    only whose factor it is and whether it is confirmed; a reset goes through the portal's
    own page, which is audited and tells the person."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    search_fields = ("user__email",)
    list_select_related = ("user",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


for _model, _admin in (
    (TOTPDevice, SecondFactorAdmin),
    (StaticDevice, SecondFactorAdmin),
    (WebAuthnCredential, SecondFactorAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
