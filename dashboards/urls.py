"""Mounted under /quality-assurance/, where the virtual school's pages are."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="vs_dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="vs_dashboard_csv"),
]
