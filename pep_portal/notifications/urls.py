from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("read/", views.notification_read, name="notification_read"),
    path("email/", views.email_preference, name="notification_email_preference"),
]
