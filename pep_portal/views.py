from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import readiness_report


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, for load balancers and the container's health check: the web process answers.
    It asks nothing of the database or Redis, so an outage of either never takes web servers
    out of service that can still serve pages (or say plainly what is wrong)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, for monitoring: 200 when every configured service answers, else 503. It says
    which service failed, never why (no host names or errors leak)."""
    ready, checks = readiness_report()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # Usually a form left open past the session or in another tab: say so plainly.
    return render(request, "errors/csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
