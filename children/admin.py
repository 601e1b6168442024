from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .access import sync_child_access
from .models import Child, School, TeacherApproval


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ("name", "urn", "la_code", "school_type", "is_open")
    list_filter = ("school_type", "is_open")
    search_fields = ("name", "urn", "postcode")


@admin.register(Child)
class ChildAdmin(SimpleHistoryAdmin):
    list_display = ("legal_last_name", "legal_first_name", "authority", "date_of_birth")
    list_filter = ("authority",)
    list_select_related = ("authority",)

    def save_model(self, request: HttpRequest, obj: Child, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # An operator who corrects the allocated staff here changes the care team too.
        sync_child_access([obj.pk])


@admin.register(TeacherApproval)
class TeacherApprovalAdmin(SimpleHistoryAdmin):
    """Read-only for operators: authorities approve and withdraw in the portal, where the
    change reaches access and the people concerned are told."""

    list_display = ("teacher", "school", "authority", "approved_at", "withdrawn_at")
    list_filter = ("authority",)
    list_select_related = ("teacher", "school", "authority")
    search_fields = ("teacher__full_name", "teacher__email", "school__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
