from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("keep-alive/", views.keep_alive, name="keep_alive"),
    path("session/", views.session_time_left, name="session_time_left"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
]

people_urlpatterns = [
    path("", views.people_list, name="people_list"),
    path("new/", views.person_invite, name="person_invite"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/active/", views.person_set_active, name="person_set_active"),
    path(
        "<int:pk>/invitation/",
        views.person_invitation_resend,
        name="person_invitation_resend",
    ),
    path("designated-teachers/", views.teacher_list, name="teacher_list"),
    path("<int:pk>/approvals/", views.teacher_approvals, name="teacher_approvals"),
    path("<int:pk>/approvals/approve/", views.teacher_approve, name="teacher_approve"),
    path(
        "<int:pk>/approvals/withdraw/",
        views.teacher_approval_withdraw,
        name="teacher_approval_withdraw",
    ),
]
