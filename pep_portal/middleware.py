import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pep_portal.text import contains_nul, form_data_without_nul


class NoStoreForSignedInMiddleware:
    """Pages seen by a signed-in user hold children's data: never let a browser or proxy cache
    them, so the back button on a shared computer cannot show them after sign-out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response


class HealthProbeMiddleware:
    """Answer /healthz and /readyz before the host check. A container's or load balancer's
    probe reaches the process by its own address (http://127.0.0.1:8000/healthz), which is
    rightly not in ALLOWED_HOSTS; neither answer uses the Host header, so nothing that host
    validation protects (links, redirects, caches) is at stake. It sits after
    SecurityMiddleware, whose HTTPS redirect skips these paths (SECURE_REDIRECT_EXEMPT)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from . import views

        self.get_response = get_response
        self.probes = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path_info)
        return probe(request) if probe is not None else self.get_response(request)


class DropNulCharactersMiddleware:
    """Take NUL characters out of every submitted value (query string and form) before any view,
    form or library reads it: PostgreSQL cannot store them, so one pasted or forged NUL would
    otherwise turn a search, a sign-in or a save into a server error. Forms built on
    pep_portal.forms say which answers lost one, so the person can check them. A cookie with
    one (a forged session id) is ignored, as if it had not been sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(contains_nul(value) for value in request.COOKIES.values()):
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if not contains_nul(v)}
        request.GET = form_data_without_nul(request.GET)[0]
        if request.method == "POST":
            request.POST = form_data_without_nul(request.POST)[0]
        return self.get_response(request)


class SessionIdleRefreshMiddleware:
    """The idle timeout without writing the session on every request: a signed-in session's
    expiry is pushed on (SESSION_COOKIE_AGE from now) when it was last pushed more than
    SESSION_REFRESH_SECONDS ago, so a page load writes at most once a minute and the session
    ends between SESSION_COOKIE_AGE minus SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE after the
    last request. The expiry warning counts from the page load, so it warns at least
    SESSION_REFRESH_SECONDS early (README, "Security"). Replaces SESSION_SAVE_EVERY_REQUEST."""

    KEY = "_idle_refreshed_at"
    # Set on a request by `does_not_extend_session`: it leaves the expiry as it was.
    NOT_EXTENDED = "pep_does_not_extend_session"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        if getattr(request, self.NOT_EXTENDED, False):
            return response  # a question about the session, not activity (session_time_left)
        if not session.session_key and not session.modified:
            return response
        now = time.time()
        try:
            last = float(session.get(self.KEY, 0))
        except (TypeError, ValueError):
            last = 0.0
        if session.modified or now - last >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response


def does_not_extend_session(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A view that answers without counting as activity: SessionIdleRefreshMiddleware leaves
    the session's expiry where it was (the view must not modify the session either)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        setattr(request, SessionIdleRefreshMiddleware.NOT_EXTENDED, True)
        return view(request, *args, **kwargs)

    return wrapped
