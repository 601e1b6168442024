"""Refusals: when someone asks the portal for something it will not do now (mark a PEP ready
before its sections are complete, cancel a meeting that was held, decide a request already
decided), the page they were on says so as GOV.UK's error summary, listing what blocks it,
each reason linked to where it can be fixed, and the page's title starts "Error: ". Never a
notification banner (those say what was done).

A view refuses with `refused(request, to, heading, error, links)`: the redirect back to the
page `to`, which shows the summary once (base.html, through the `refusal` the context
processor gives every page). A view that renders the page itself passes a `Refusal` in its
context instead."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponseRedirect

SESSION_KEY = "refusal"
# The key in `links` for a problem about nothing named (Django's name for the whole form).
WHOLE = NON_FIELD_ERRORS


@dataclass(frozen=True)
class Refusal:
    """The summary's heading and its reasons as (link, message): the link is a fragment
    ("#care_information-name") on the page shown, or "" for a reason nothing on it can fix."""

    heading: str
    reasons: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reasons)


def reasons_of(
    error: ValidationError | str | Iterable[str], links: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(link, message) for each problem a service gave: a problem about a named thing (the
    ValidationError's field) links where `links` says that thing is fixed; one about nothing
    named links to `links[WHOLE]` if given; any other is listed without a link."""
    links = links or {}
    whole = links.get(WHOLE, "")
    if isinstance(error, str):
        return [(whole, error)]
    if not isinstance(error, ValidationError):
        return [(whole, str(message)) for message in error]
    if not hasattr(error, "error_dict"):
        return [(whole, message) for message in error.messages]
    return [
        (links.get(name, whole if name == WHOLE else ""), message)
        for name, errors in error.error_dict.items()
        for problem in errors
        for message in problem.messages
    ]


def refused(
    request: HttpRequest,
    to: str,
    heading: str,
    error: ValidationError | str | Iterable[str],
    links: Mapping[str, str] | None = None,
) -> HttpResponseRedirect:
    """Back to the page `to` (a path), which shows the refusal as its error summary."""
    request.session[SESSION_KEY] = {
        "path": to.split("?", 1)[0].split("#", 1)[0],
        "heading": heading,
        "reasons": reasons_of(error, links),
    }
    return HttpResponseRedirect(to)


class PendingRefusal:
    """The refusal kept for this page, taken from the session only when a page asks for it
    (base.html does; a JSON answer or a PDF never does), so it is shown once. One kept for
    another page is dropped: it is about something the person has moved on from."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def _refusal(self) -> Refusal:
        session = getattr(self._request, "session", None)
        if session is None or SESSION_KEY not in session:
            return Refusal("")
        kept = session.pop(SESSION_KEY)
        if kept.get("path") != self._request.path:
            return Refusal("")
        return Refusal(kept["heading"], [(link, message) for link, message in kept["reasons"]])

    def __bool__(self) -> bool:
        return bool(self._refusal)

    @property
    def heading(self) -> str:
        return self._refusal.heading

    @property
    def reasons(self) -> list[tuple[str, str]]:
        return self._refusal.reasons
