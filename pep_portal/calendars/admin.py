from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CalendarPeriod, PepRuleSet, ReviewWindow, TermCalendar


class CalendarPeriodInline(admin.TabularInline):
    model = CalendarPeriod
    extra = 0


@admin.register(TermCalendar)
class TermCalendarAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "academic_year", "authority", "school", "source", "updated_at")
    list_filter = ("authority", "academic_year")
    list_select_related = ("authority", "school")
    search_fields = ("school__name", "school__urn", "authority__name")
    inlines = [CalendarPeriodInline]


class ReviewWindowInline(admin.TabularInline):
    model = ReviewWindow
    extra = 0


@admin.register(PepRuleSet)
class PepRuleSetAdmin(SimpleHistoryAdmin):
    list_display = ("authority", "preset", "initial_pep_days", "initial_pep_unit", "updated_at")
    list_select_related = ("authority",)
    inlines = [ReviewWindowInline]
