from django.urls import path

from . import views

urlpatterns = [
    path("child/<int:pk>/", views.subject_access_start, name="subject_access_start"),
    path("<slug:job_id>/", views.subject_access_job, name="subject_access_job"),
    path("<slug:job_id>/progress/", views.subject_access_progress, name="subject_access_progress"),
    path("<slug:job_id>/download/", views.subject_access_download, name="subject_access_download"),
]
