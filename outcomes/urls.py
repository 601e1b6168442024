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
    path("dashboard/", views.outcomes_dashboard, name="outcomes_dashboard"),
    path("dashboard.csv", views.outcomes_dashboard_csv, name="outcomes_dashboard_csv"),
    path("dashboard.xlsx", views.outcomes_dashboard_xlsx, name="outcomes_dashboard_xlsx"),
    path("school-data/", views.mis_upload, name="mis_upload"),
    path("school-data/<int:pk>/", views.mis_preview, name="mis_preview"),
]
