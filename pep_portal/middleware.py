from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
