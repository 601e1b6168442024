"""Security keys and passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

Passkeys here are a second factor only, never a way to sign in without the password
(OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is off). The library's views are wrapped so that using
or adding a key does what every other second factor does: a new session id and the time of
authentication at sign-in (signin.second_factor_given), other sessions ended when a key is
added, and the new-browser check once the sign-in is complete."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp.models import Device
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.helpers import WebAuthnHelper

from . import services, signin


def relying_party_id(request: HttpRequest) -> str:
    """The portal's own host name, from PORTAL_BASE_URL (not from the request)."""
    return urlsplit(settings.PORTAL_BASE_URL).hostname or ""


class PortalWebAuthnHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        # A key answers only pages served from the portal's own address: a look-alike site
        # that relays the ceremony presents its own origin and is refused.
        parts = urlsplit(settings.PORTAL_BASE_URL)
        return [f"{parts.scheme}://{parts.netloc}"]


class RecentAuthenticationNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "recent_authentication_needed"
    default_detail = "Confirm it is you first: reload the page and enter your password again."


class BeginRegistration(webauthn_views.BeginCredentialRegistrationView):
    def check_can_register(self) -> None:
        # Adding a key to an account that already has a second factor is a second-factor
        # change: the password and second factor must have been given recently.
        if services.confirmed_devices(self.request.user) and not signin.recently_authenticated(
            self.request
        ):
            raise RecentAuthenticationNeeded()


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def check_can_register(self) -> None:
        BeginRegistration.check_can_register(self)  # type: ignore[arg-type]

    def post(self, *args: object, **kwargs: object) -> HttpResponse:
        first = not signin.is_verified(self.request)
        response = super().post(*args, **kwargs)
        # A new second factor: every other session of the person ends (and it is audited);
        # this one goes on.
        user = signin.signed_in_user(self.request)
        services.second_factor_key_added(user=user, request=self.request)
        update_session_auth_hash(self.request, user)
        if first:
            self.request.session.cycle_key()
            self.request.session[signin.AUTHENTICATED_AT] = signin.now()
            signin.note_browser(self.request, response)
        return response


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Device) -> None:
        if not self.request.user.is_authenticated or device.user_id != self.request.user.pk:
            # A key never signs anyone in by itself (passwordless is off): the password first.
            raise exceptions.UserDisabled()
        signin.second_factor_given(self.request, device)

    def post(self, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(*args, **kwargs)
        if response.status_code == 200 and signin.is_verified(self.request):
            signin.note_browser(self.request, response)
        return response


app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        webauthn_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
