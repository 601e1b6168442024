from django.urls import path

from . import views

urlpatterns = [
    path("", views.audit_search, name="audit_search"),
    path("export.csv", views.audit_export, name="audit_export"),
]
