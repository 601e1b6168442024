import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import signin


class SignInSecurityMiddleware:
    """Two rules for every signed-in request. A session older than the absolute lifetime ends,
    however active. And a password alone reaches no page: until the second factor is given
    (or the person needs none), every page sends them to give it or set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        # Pages that a session waiting for its second factor may reach (resolved once).
        if self._open_paths is None:
            self._open_paths = (
                reverse("second_factor_verify"),
                reverse("second_factor_set_up"),
                reverse("logout"),
                reverse("login"),
                "/account/password-reset/",
                "/account/webauthn/",
                "/account/sso/",
                settings.STATIC_URL,
            )
        return self._open_paths

    @functools.cached_property
    def time_left_path(self) -> str:
        # The session timer's question (accounts.views.session_time_left) is answered as JSON
        # whatever the session's state: never a redirect to a sign-in or second-factor page.
        return reverse("session_time_left")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        # django-otp's question, answered from the session without loading the device.
        user.is_verified = functools.partial(signin.is_verified, request)
        asks_time_left = request.path == self.time_left_path
        if signin.session_expired(request):
            signin.end_session(request)
            if asks_time_left:  # a script's question: "none left", not a page to go to
                return self.get_response(request)
            messages.info(request, "You have been signed out: sign in again to carry on")
            return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        if (
            not signin.is_verified(request)
            and not asks_time_left
            and not request.path.startswith(self.open_paths())
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('second_factor_verify')}?{query}")
        return self.get_response(request)
