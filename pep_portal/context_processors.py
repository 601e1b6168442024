from django.conf import settings
from django.http import HttpRequest

from pep_portal.refusals import PendingRefusal


def portal(request: HttpRequest) -> dict[str, object]:
    return {
        "service_name": settings.SERVICE_NAME,
        "session_seconds": settings.SESSION_COOKIE_AGE,
        # What the portal refused on this page, if anything (pep_portal/refusals.py).
        "refusal": PendingRefusal(request),
    }
