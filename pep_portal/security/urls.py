from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

from . import views


def _sign_on(name: str, *, class_based: bool = False) -> Callable[..., HttpResponse]:
    """Single sign-on's view `name` (security/oidc.py), imported when first asked for: it
    brings mozilla-django-oidc, requests and PyJWT (~3 MB), which a process loading the URLs
    (every worker runs Django's checks as it starts) otherwise never needs."""

    @cache
    def target() -> Callable[..., HttpResponse]:
        from . import oidc

        found = getattr(oidc, name)
        return found.as_view() if class_based else found  # type: ignore[no-any-return]

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return target()(request, *args, **kwargs)

    return view


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
    path("sso/", _sign_on("sso_choose"), name="sso_choose"),
    path("sso/<int:pk>/", _sign_on("StartSignOn", class_based=True), name="sso_start"),
    path("sso/callback/", _sign_on("FinishSignOn", class_based=True), name="sso_callback"),
    path("sso/refused/", _sign_on("sso_refused"), name="sso_refused"),
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
