"""The request type of views behind `@login_required`, for the type checker."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose user has signed in: `request.user` is a portal account, never
    AnonymousUser (Django's `login_required` has already turned everyone else away)."""

    user: User
