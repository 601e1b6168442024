"""The existing suite signs people in with a verified second factor, through django-otp's own
API (django_otp.login), as the sign-in page does once the code is right. Tests of the second
factor itself opt out with `@pytest.mark.second_factor_by_hand`."""

import time
from collections.abc import Callable

import django_otp
from django.contrib.auth import login
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from pep_portal.accounts.models import User

TEST_DEVICE_NAME = "Test backup codes"


def test_device(user: User) -> StaticDevice:
    device = StaticDevice.objects.filter(user=user, name=TEST_DEVICE_NAME).first()
    return device or StaticDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)


def backup_code_for(email: str) -> str:
    """A fresh single-use code for the person, for signing in through the real pages."""
    user = User.objects.get(email=email)
    token = StaticToken.random_token()
    test_device(user).token_set.create(token=token)
    return token


def verified_login(original: Callable[..., None]) -> Callable[..., None]:
    def _login(self: Client, user: User, backend: str | None = None) -> None:
        from importlib import import_module

        from django.conf import settings
        from django.http import HttpRequest

        from pep_portal.security.signin import AUTHENTICATED_AT

        request = HttpRequest()
        request.session = self.session or import_module(settings.SESSION_ENGINE).SessionStore()
        request.user = user
        login(request, user, backend)
        django_otp.login(request, test_device(user))
        # As the sign-in page does once the code is right (signin.second_factor_given): the
        # person has just confirmed who they are.
        request.session[AUTHENTICATED_AT] = time.time()
        request.session.save()
        self._set_login_cookies(request)

    _login.original = original  # type: ignore[attr-defined]
    return _login


def sign_in_verified(client: Client, user: User) -> None:
    """For a test marked second_factor_by_hand: sign one person in, verified, the suite's way."""
    verified_login(None)(client, user, "django.contrib.auth.backends.ModelBackend")
