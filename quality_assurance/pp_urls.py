"""Pupil Premium Plus, mounted at /pupil-premium/."""

from django.urls import path

from . import pp_views

urlpatterns = [
    path("", pp_views.pp_request_list, name="pp_request_list"),
    path("<int:pk>/", pp_views.pp_request_decide, name="pp_request_decide"),
    path("for-pep/<int:pep_pk>/", pp_views.pp_request_raise, name="pp_request_raise"),
    path("totals/", pp_views.pp_totals, name="pp_totals"),
    path("export.csv", pp_views.pp_export, name="pp_export"),
    path("allocations/", pp_views.pp_allocations, name="pp_allocations"),
]
