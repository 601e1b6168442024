"""require_recent_authentication: the reusable guard for sensitive steps."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from pep_portal.security.signin import AUTHENTICATED_AT, require_recent_authentication


@require_recent_authentication(seconds=300)
def sensitive(request):  # type: ignore[no-untyped-def]
    return HttpResponse("done")


def request_with(user, authenticated_ago: float | None):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/sensitive/?x=1")
    request.user = user
    request.session = SessionStore()
    if authenticated_ago is not None:
        request.session[AUTHENTICATED_AT] = time.time() - authenticated_ago
    return request


@pytest.mark.parametrize(("ago", "allowed"), [(10, True), (299, True), (301, False), (None, False)])
def test_a_sensitive_step_needs_the_password_and_second_factor_recently(personas, ago, allowed):
    response = sensitive(request_with(personas.social_worker, ago))
    if allowed:
        assert response.content == b"done"
    else:
        assert response.status_code == 302
        assert response["Location"] == "/account/confirm-identity/?next=%2Fsensitive%2F%3Fx%3D1"
