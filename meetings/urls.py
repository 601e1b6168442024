from django.urls import path

from . import views

urlpatterns = [
    path("", views.meeting_calendar, name="meeting_calendar"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/record/", views.meeting_record, name="meeting_record"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("for-pep/<int:pep_pk>/", views.meeting_arrange, name="meeting_arrange"),
    path("targets/child/<int:child_pk>/", views.targets_for_child, name="target_tracker"),
]
