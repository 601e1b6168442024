from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/", views.pep_detail, name="pep_detail"),
    path("<int:pk>/signed-off/", views.pep_signed_off, name="pep_signed_off"),
    path("<int:pk>/sections/<slug:key>/", views.section_edit, name="section_edit"),
    path("<int:pk>/sections/<slug:key>/autosave/", views.section_autosave, name="section_autosave"),
    path("<int:pk>/sections/<slug:key>/complete/", views.section_complete, name="section_complete"),
    path("<int:pk>/ready/", views.pep_mark_ready, name="pep_mark_ready"),
    path("<int:pk>/submit/", views.pep_submit, name="pep_submit"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("new/for-child/<int:child_pk>/", views.pep_set_up, name="pep_set_up"),
]
