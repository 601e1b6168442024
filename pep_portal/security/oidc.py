"""Single sign-on with OpenID Connect (mozilla-django-oidc), one provider per authority's
configuration (SingleSignOnProvider) rather than one in settings.

An account is matched by the provider's verified e-mail address, in one of the domains the
provider covers, to an open account the virtual school already made: single sign-on never
creates an account. Whether the provider's sign-in also counts as the second factor is the
authority's choice (provider_enforces_mfa), and then only when the ID token says a second
factor was used (its amr or acr claim)."""

import os
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from pep_portal.accounts.addresses import normalise_email
from pep_portal.accounts.models import User

from . import signin
from .models import SingleSignOnProvider

PROVIDER_SESSION_KEY = "pep_sso_provider"
MFA_SESSION_KEY = "pep_sso_mfa"
# amr values (RFC 8176) and acr values that say more than a password was used.
MFA_AMR = frozenset({"mfa", "otp", "hwk", "swk", "fido", "sms", "face", "fpt"})
MFA_ACR = frozenset(
    {
        "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
        "possessionorinherence",
        "mfa",
    }
)


def client_secret(provider: SingleSignOnProvider) -> str:
    """The secret is never in the database: `env:NAME` or `file:/path`."""
    kind, _, where = provider.client_secret_source.partition(":")
    if kind == "env" and os.environ.get(where):
        return os.environ[where]
    if kind == "file" and where and Path(where).is_file():
        return Path(where).read_text().strip()
    raise ImproperlyConfigured(f"The client secret of {provider} is not where it says")


def claims_say_mfa(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return bool(MFA_AMR & {str(v).lower() for v in amr}) or (
        str(claims.get("acr", "")).lower() in MFA_ACR
    )


def _provider_of(request: HttpRequest) -> SingleSignOnProvider | None:
    pk = request.session.get(PROVIDER_SESSION_KEY)
    return SingleSignOnProvider.objects.filter(pk=pk, is_active=True).first() if pk else None


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured from the provider the sign-in started with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = User

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the single sign-on callback passes a nonce; a password sign-in never gets here.
        if request is None or "nonce" not in kwargs:
            return None
        provider = _provider_of(request)
        if provider is None:
            return None
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = ""
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = client_secret(provider)
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        # The ID token's claims, whose signature has just been checked against the provider's
        # published keys: no second, unsigned answer is needed.
        self.request.session[MFA_SESSION_KEY] = claims_say_mfa(payload)
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        email = normalise_email(claims.get("email") or "")
        domain = email.rpartition("@")[2]
        return (
            claims.get("email_verified") is True and bool(email) and domain in self.provider.domains
        )

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return User.objects.with_address(claims["email"]).filter(is_active=True)

    def create_user(self, claims: dict[str, Any]) -> None:
        return None  # never: the virtual school decides who has an account

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return user


class StartSignOn(OIDCAuthenticationRequestView):
    """Send the person to their organisation's provider."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:  # type: ignore[override]
        provider = SingleSignOnProvider.objects.filter(pk=pk, is_active=True).first()
        if provider is None:
            raise Http404
        request.session[PROVIDER_SESSION_KEY] = provider.pk
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        return super().get(request)


class FinishSignOn(OIDCAuthenticationCallbackView):
    """The provider sends the person back: signed in if their verified address matches an
    open account, then the second factor unless the provider's sign-in counts as one."""

    @property
    def failure_url(self) -> str:
        return reverse("sso_refused")

    def login_success(self) -> HttpResponse:
        super().login_success()  # django.contrib.auth.login: a new session id
        request = self.request
        provider = _provider_of(request)
        by_provider = bool(
            provider and provider.provider_enforces_mfa and request.session.get(MFA_SESSION_KEY)
        )
        signin.password_given(request, self.user)
        if by_provider:
            request.session[signin.SECOND_FACTOR_BY_PROVIDER] = True
            request.session[signin.AUTHENTICATED_AT] = signin.now()
        if signin.is_verified(request):
            response = redirect(self.success_url)
            signin.note_browser(request, response)
            return response
        return redirect("second_factor_verify")


@require_GET
def sso_refused(request: HttpRequest) -> HttpResponse:
    storage = messages.get_messages(request)
    if isinstance(storage, BaseStorage):
        storage.used = True
    return render(request, "security/sso_refused.html", status=403)


@require_GET
def sso_choose(request: HttpRequest) -> HttpResponse:
    """The organisations whose accounts can sign in (Microsoft Entra ID, Google, …)."""
    providers = SingleSignOnProvider.objects.filter(is_active=True).select_related("authority")
    return render(request, "security/sso_choose.html", {"providers": list(providers)})
