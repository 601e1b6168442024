from django.urls import path

from . import views

urlpatterns = [
    path("", views.roll_upload, name="roll_upload"),
    path("<str:job_id>/", views.roll_preview, name="roll_preview"),
]
