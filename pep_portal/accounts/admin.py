"""Django admin, for the portal's operators (superusers) only. Day-to-day work, including
managing an authority's accounts, happens in the portal's own screens, where access rules and
audit apply."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import LocalAuthority, User


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "la_code", "slug", "virtual_school_email")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "la_code", "virtual_school_name")}),
        ("Help", {"fields": ("virtual_school_email",)}),
        (
            "Privacy notice",
            {
                "description": "What the privacy page says for this authority. Leave a part "
                "blank for the standard wording.",
                "fields": (
                    "data_protection_officer_email",
                    "privacy_held",
                    "privacy_why",
                    "privacy_lawful_basis",
                    "privacy_retention",
                    "privacy_rights",
                    "privacy_contact",
                ),
            },
        ),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    ordering = ("full_name",)
    list_display = ("full_name", "email", "role", "authority", "school", "is_active")
    list_filter = ("role", "authority", "is_active")
    search_fields = ("full_name", "email")
    list_select_related = ("authority", "school")
    autocomplete_fields = ("school",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title", "phone")}),
        (
            "Role",
            {
                "fields": (
                    "role",
                    "authority",
                    "school",
                    "carer_kind",
                    "is_vs_adviser",
                    "is_vs_quality_assurer",
                    "is_vs_administrator",
                )
            },
        ),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "authority",
                    "school",
                    "carer_kind",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and obj.pk != request.user.pk:
            # Closing a login here has the same consequences as anywhere: it leaves every
            # care team and its sessions end for good.
            services.person_set_active(actor=request.user, person=obj, active=obj.is_active)
        if not change or {"role", "authority", "school"} & set(form.changed_data):
            # A new login, or one moved to another role or school, sees exactly what the facts
            # give it from now on (a teacher moved school loses the old school's children).
            services.access_resync([obj])
