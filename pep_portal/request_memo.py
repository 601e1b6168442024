"""Answers remembered for the rest of one page load, so that the parts of a page that each ask
the same question (the authority's PEP rules, whether this person may see this child) ask the
database once.

Only while a GET or HEAD request is being answered (RequestMemoMiddleware): such a request
changes no rule and no care team, so an answer cannot go stale while it is remembered. Anywhere
else (a form being saved, a Celery task, the sweep, a management command, a test calling a
service) nothing is remembered and every question goes to the database as before. Each request
has its own memo (a context variable: one per thread under gunicorn's threads) and it is
dropped when the response is returned.
"""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("request_memo", default=None)
_MISSING = object()

SAFE_METHODS = frozenset({"GET", "HEAD"})


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """compute()'s value, asked once per page load for this key."""
    memo = _memo.get()
    if memo is None:
        return compute()
    value = memo.get(key, _MISSING)
    if value is _MISSING:
        value = memo[key] = compute()
    return value  # type: ignore[no-any-return]


class _Asked(int):
    """How many times a page load asked for a key computed only from the n-th time."""


def once_asked_often(
    key: Hashable, first: Callable[[], T], compute: Callable[[], T], *, often: int = 3
) -> T:
    """first() the first `often - 1` times a page load asks for this key (and everywhere outside
    one); from the `often`-th time on, compute()'s value, computed once. For an answer that costs
    a query of its own, worth it only where the page asks for it again and again: a page that
    asks once or twice pays nothing more."""
    memo = _memo.get()
    if memo is None:
        return first()
    value = memo.get(key, _Asked(0))
    if isinstance(value, _Asked):
        if value + 1 < often:
            memo[key] = _Asked(value + 1)
            return first()
        value = memo[key] = compute()
    return value  # type: ignore[no-any-return]


def remember(key: Hashable, value: Any) -> None:
    """Keep an answer found another way (several asked in one query) for the rest of the page."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def recall(key: Hashable) -> Any:
    """The answer kept for this key, or None when there is none (or nothing is remembered)."""
    memo = _memo.get()
    value = None if memo is None else memo.get(key)
    return None if isinstance(value, _Asked) else value


class RequestMemoMiddleware:
    """A memo for each GET or HEAD request, dropped when its response is returned."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
