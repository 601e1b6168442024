"""Pupil Premium Plus, mounted at /pupil-premium/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.pp_request_list, name="pp_request_list"),
    path("<int:pk>/", views.pp_request_decide, name="pp_request_decide"),
    path("for-pep/<int:pep_pk>/", views.pp_request_raise, name="pp_request_raise"),
    path("totals/", views.pp_totals, name="pp_totals"),
    path("totals/schools/", views.pp_totals_schools, name="pp_totals_schools"),
    path("export.csv", views.pp_export, name="pp_export"),
    path("allocations/", views.pp_allocations, name="pp_allocations"),
    path("school-funds/", views.pp_school_funds, name="pp_school_funds"),
]
