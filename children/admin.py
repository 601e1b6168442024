from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Child, School


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
