# Term calendars, closures and each authority's PEP rule set.
from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar_home, name="calendar_home"),
    path("upload/", views.calendar_upload, name="calendar_upload"),
    path("rules/", views.rules_detail, name="calendar_rules"),
    path("rules/edit/", views.rules_edit, name="calendar_rules_edit"),
    path("deadline/", views.deadline_check, name="calendar_deadline_check"),
    path("<int:year>/", views.authority_year, name="calendar_year"),
    path("<int:year>/add/", views.authority_period_add, name="calendar_period_add"),
    path("<int:year>/export.csv", views.authority_export, name="calendar_export"),
    path("schools/<int:urn>/<int:year>/", views.school_year, name="calendar_school_year"),
    path(
        "schools/<int:urn>/<int:year>/add/",
        views.school_period_add,
        name="calendar_school_period_add",
    ),
    path(
        "schools/<int:urn>/<int:year>/export.csv",
        views.school_export,
        name="calendar_school_export",
    ),
    path("periods/<int:pk>/", views.period_edit, name="calendar_period_edit"),
    path("periods/<int:pk>/delete/", views.period_delete, name="calendar_period_delete"),
]
