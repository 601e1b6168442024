"""The sign-in session: what it records, how long it lives, and whether its second factor
was given. Views and the middleware ask here; the rules of who needs what are in services.

A session records, beside Django's own keys:
- SIGNED_IN_AT: when the password was given (the absolute lifetime counts from it);
- AUTHENTICATED_AT: when the person last proved who they are with every factor they need
  (require_recent_authentication asks for it again after a while);
- django-otp's DEVICE_ID_SESSION_KEY: the second factor that verified this session
  (django_otp.login); or SECOND_FACTOR_NOT_NEEDED for someone who needs none.
"""

import functools
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from pep_portal.accounts.models import User
from pep_portal.middleware import SessionIdleRefreshMiddleware

from . import services

SIGNED_IN_AT = "pep_signed_in_at"
AUTHENTICATED_AT = "pep_authenticated_at"
SECOND_FACTOR_NOT_NEEDED = "pep_second_factor_not_needed"
# Signed in by single sign-on whose provider confirmed a second factor, where the authority
# accepts that (SingleSignOnProvider.provider_enforces_mfa).
SECOND_FACTOR_BY_PROVIDER = "pep_second_factor_by_provider"
REMEMBER_COOKIE = "pep_remember_device"
REMEMBER_SALT = "pep_portal.security.remember-device"
DEVICE_COOKIE = "pep_device"
DEVICE_SALT = "pep_portal.security.known-device"
DEVICE_COOKIE_DAYS = 400


def now() -> float:
    return time.time()


def signed_in_user(request: HttpRequest) -> User:
    """The portal account of a signed-in request (the callers run after sign-in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def stamp_sign_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """user_logged_in: django.contrib.auth.login has just given the session a new id."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = now()
        # Signing in saves the session with a fresh expiry: the idle refresh counts from here.
        request.session[SessionIdleRefreshMiddleware.KEY] = time.time()


def password_given(request: HttpRequest, user: User) -> None:
    """Right after the password was accepted: the session is verified at once for someone who
    needs no second factor, or by a browser remembered within the authority's allowance."""
    request.session.pop(AUTHENTICATED_AT, None)
    request.session.pop(SECOND_FACTOR_NOT_NEEDED, None)
    request.session.pop(SECOND_FACTOR_BY_PROVIDER, None)
    if not services.sign_in_needs_second_factor(user):
        request.session[SECOND_FACTOR_NOT_NEEDED] = True
        request.session[AUTHENTICATED_AT] = now()
    else:
        _remembered_device(request, user)


def is_verified(request: HttpRequest) -> bool:
    """Whether the signed-in session may see pages: its second factor given, or none needed.
    The device is not loaded on every request: resetting or changing a second factor moves the
    person's session generation, which ends every session it verified."""
    session = request.session
    return (
        bool(session.get(DEVICE_ID_SESSION_KEY))
        or session.get(SECOND_FACTOR_NOT_NEEDED) is True
        or session.get(SECOND_FACTOR_BY_PROVIDER) is True
    )


def second_factor_given(request: HttpRequest, device: Device) -> None:
    """The session is verified by this device (django-otp's own record of it), and gets a new
    id: what an attacker might have fixed before is now worth nothing."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[AUTHENTICATED_AT] = now()


def recently_authenticated(request: HttpRequest, seconds: int | None = None) -> bool:
    seconds = seconds if seconds is not None else settings.RECENT_AUTHENTICATION_SECONDS
    at = request.session.get(AUTHENTICATED_AT)
    return at is not None and now() - float(at) <= seconds


def session_expired(request: HttpRequest) -> bool:
    """Past the absolute lifetime, however active the person has been. A signed-in session
    without a sign-in time was made before this rule: it ends too."""
    at = request.session.get(SIGNED_IN_AT)
    return at is None or now() - float(at) > settings.SESSION_ABSOLUTE_SECONDS


def session_seconds_left(request: HttpRequest) -> int:
    """How long the signed-in session has before it ends if nothing extends it: the idle timeout
    counted from its last save with a fresh expiry (SessionIdleRefreshMiddleware notes the time
    of every such save), or the absolute lifetime if that comes first; 0 signed out."""
    if not request.user.is_authenticated:
        return 0
    session = request.session
    try:
        refreshed = float(session.get(SessionIdleRefreshMiddleware.KEY, 0))
        signed_in = float(session.get(SIGNED_IN_AT, 0))
    except (TypeError, ValueError):
        return 0
    idle = refreshed + settings.SESSION_COOKIE_AGE - time.time()
    absolute = signed_in + settings.SESSION_ABSOLUTE_SECONDS - now()
    return max(0, int(min(idle, absolute)))


def end_session(request: HttpRequest) -> None:
    logout(request)


# Remembered browsers ------------------------------------------------------------------------


def remember_this_browser(request: HttpRequest, response: HttpResponse, device: Device) -> None:
    user = signed_in_user(request)
    days = services.remember_device_days(user)
    if days <= 0:
        return
    value = {"u": user.pk, "g": user.session_generation, "d": device.persistent_id}
    response.set_signed_cookie(
        REMEMBER_COOKIE,
        signing.dumps(value, compress=True),
        salt=REMEMBER_SALT,
        max_age=days * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _remembered_device(request: HttpRequest, user: User) -> Device | None:
    """A browser remembered within the authority's allowance, for this person, since their
    last password or second-factor change: verified without a code."""
    days = services.remember_device_days(user)
    if days <= 0:
        return None
    try:
        raw = request.get_signed_cookie(REMEMBER_COOKIE, salt=REMEMBER_SALT, max_age=days * 86400)
        value = signing.loads(raw or "")
    except (KeyError, signing.BadSignature, ValueError):
        return None
    if value.get("u") != user.pk or value.get("g") != user.session_generation:
        return None
    device = Device.from_persistent_id(str(value.get("d", "")))
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    django_otp.login(request, device)
    request.session[AUTHENTICATED_AT] = now()
    return device


# Known browsers (new-device alerts) ---------------------------------------------------------


def note_browser(request: HttpRequest, response: HttpResponse) -> None:
    """Once a sign-in is complete: the person is e-mailed if this browser is new to them."""
    try:
        token = request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_SALT)
    except (KeyError, signing.BadSignature):
        token = None
    token = token or services.new_device_token()
    services.known_device_seen(user=signed_in_user(request), token=token, request=request)
    response.set_signed_cookie(
        DEVICE_COOKIE,
        token,
        salt=DEVICE_SALT,
        max_age=DEVICE_COOKIE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# Re-authentication ------------------------------------------------------------------------


# Answers a person gave on a form before being asked to confirm who they are: kept in their
# session (never in a URL) until they come back, for this long at most.
RESUME_SESSION = "pep_resume_after_confirming"
RESUME_PARAM = "resume"
RESUME_SECONDS = 15 * 60


def confirm_first(request: HttpRequest) -> HttpResponse:
    """Send the person to confirm their password and second factor, then back. A GET comes
    back to the same address. A POST's answers are kept in the session under a one-time
    token, and the address it comes back to carries the token: the request is then finished as
    the POST it was (resume_kept_post), so nothing typed is lost."""
    if request.method == "POST":
        token = secrets.token_urlsafe(16)
        request.session[RESUME_SESSION] = {
            "token": token,
            "path": request.path,
            "at": now(),
            "data": {
                key: request.POST.getlist(key)
                for key in request.POST
                if key != "csrfmiddlewaretoken"
            },
        }
        back = f"{request.path}?{urlencode({RESUME_PARAM: token})}"
    else:
        back = request.get_full_path()
    return redirect(f"{reverse('confirm_identity')}?{urlencode({'next': back})}")


def resume_kept_post(request: HttpRequest) -> bool:
    """On the way back from confirming: a GET carrying the token of the answers kept for this
    address becomes the POST it stands for (once). The original POST passed the CSRF check;
    the token, known only to this session, stops anyone else's link from finishing it."""
    token = request.GET.get(RESUME_PARAM)
    kept = request.session.get(RESUME_SESSION)
    if request.method != "GET" or not token or not isinstance(kept, dict):
        return False
    if (
        not secrets.compare_digest(str(kept.get("token", "")), token)
        or kept.get("path") != request.path
        or now() - float(kept.get("at", 0)) > RESUME_SECONDS
        or not recently_authenticated(request)
    ):
        return False
    del request.session[RESUME_SESSION]
    pairs = [(key, str(v)) for key, values in kept.get("data", {}).items() for v in values]
    request.method = "POST"
    request.POST = QueryDict(urlencode(pairs))
    return True


def require_recent_authentication(
    view: Callable[..., HttpResponse] | None = None,
    *,
    seconds: int | None = None,
    when: Callable[[HttpRequest], bool] | None = None,
) -> Any:
    """Before a sensitive step (e-mail, second factor, sign-off, exports): the person must
    have given their password and second factor within the last `seconds`
    (RECENT_AUTHENTICATION_SECONDS by default), or is sent to confirm them and brought back to
    finish (confirm_first). `when(request)`, if given, says whether this request is the
    sensitive step (a QA review is, only when it signs the PEP off). Put it above require_POST:
    the way back is a GET that resume_kept_post turns into the POST it was.
    Use as @require_recent_authentication or @require_recent_authentication(seconds=300)."""

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
            resume_kept_post(request)
            needed = when is None or when(request)
            if needed and not recently_authenticated(request, seconds):
                return confirm_first(request)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
