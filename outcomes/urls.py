from django.urls import path

from . import views

urlpatterns = [
    path(
        "children/<int:child_pk>/<int:year>/<slug:term>/attendance/",
        views.attendance_edit,
        name="outcomes_attendance",
    ),
    path(
        "children/<int:child_pk>/<int:year>/<slug:term>/attainment/",
        views.attainment_edit,
        name="outcomes_attainment",
    ),
    path(
        "children/<int:child_pk>/<int:year>/<slug:term>/attainment/confirm/",
        views.attainment_confirm,
        name="outcomes_attainment_confirm",
    ),
    path("children/<int:child_pk>/exclusions/new/", views.exclusion_add, name="outcomes_exclusion"),
    path(
        "children/<int:child_pk>/part-time-timetables/new/",
        views.part_time_edit,
        name="outcomes_part_time_add",
    ),
    path(
        "children/<int:child_pk>/part-time-timetables/<int:pk>/",
        views.part_time_edit,
        name="outcomes_part_time_edit",
    ),
    path(
        "children/<int:child_pk>/without-a-setting/new/",
        views.missing_education_edit,
        name="outcomes_missing_add",
    ),
    path(
        "children/<int:child_pk>/without-a-setting/<int:pk>/",
        views.missing_education_edit,
        name="outcomes_missing_edit",
    ),
    path("dashboard/", views.outcomes_dashboard, name="outcomes_dashboard"),
    path("dashboard.csv", views.outcomes_dashboard_csv, name="outcomes_dashboard_csv"),
    path("dashboard.xlsx", views.outcomes_dashboard_xlsx, name="outcomes_dashboard_xlsx"),
    path("school-data/", views.mis_upload, name="mis_upload"),
    path("school-data/<int:pk>/", views.mis_preview, name="mis_preview"),
]
