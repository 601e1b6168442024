from django.urls import path

from . import oidc, views

urlpatterns = [
    path("", views.second_factor_manage, name="second_factor_manage"),
    path("verify/", views.second_factor_verify, name="second_factor_verify"),
    path("set-up/", views.second_factor_set_up, name="second_factor_set_up"),
    path("backup-codes/", views.second_factor_backup_codes, name="second_factor_backup_codes"),
    path(
        "backup-codes/new/",
        views.second_factor_new_backup_codes,
        name="second_factor_new_backup_codes",
    ),
    path("keys/<int:pk>/remove/", views.second_factor_key_remove, name="second_factor_key_remove"),
]

account_urlpatterns = [
    path("confirm-identity/", views.confirm_identity, name="confirm_identity"),
    path("email/", views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("sso/", oidc.sso_choose, name="sso_choose"),
    path("sso/<int:pk>/", oidc.StartSignOn.as_view(), name="sso_start"),
    path("sso/callback/", oidc.FinishSignOn.as_view(), name="sso_callback"),
    path("sso/refused/", oidc.sso_refused, name="sso_refused"),
]

people_urlpatterns = [
    path(
        "<int:pk>/second-factor/reset/",
        views.person_second_factor_reset,
        name="person_second_factor_reset",
    ),
]

actions_urlpatterns = [
    path("", views.sensitive_actions, name="sensitive_actions"),
    path("<int:pk>/undo/", views.sensitive_action_undo, name="sensitive_action_undo"),
]
