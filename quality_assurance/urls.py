from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="qa_queue"),
    path("review/<int:pep_pk>/", views.review, name="qa_review"),
    path("training/", views.training, name="qa_training"),
    path("training/<int:pk>/done/", views.training_resolve, name="qa_training_resolve"),
    path("moderation/", views.moderation, name="qa_moderation"),
    path("moderation/<int:pep_pk>/", views.moderate, name="qa_moderate"),
]
