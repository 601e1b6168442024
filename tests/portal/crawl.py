"""A crawl of what each persona is shown: from the home page, every link and form on every
page they reach, one address per URL pattern (the first met), with the Django test Client.
Used by the test that no page offers what its viewer may not do, and by the browser's reflow
crawl at 320 px (which visits the pages found here). With `by_object`, one address per URL
pattern and object (its URL's arguments) and per page of a list (the first two), and at most
`per_pattern` numbers of each numbered argument (three PEPs, three years, each section of
each): the titles test compares the pages about different children."""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

# Refused, or nothing there: a link or button leading here is an action the viewer cannot take.
DEAD_ENDS = (403, 404, 405)
# Not offered as an action to check: signing out ends the crawl's session; Django's admin is the
# operators' own tool; files and probes are not pages.
NOT_FOLLOWED = {"logout", "healthz", "readyz"}
NOT_FOLLOWED_PREFIXES = ("/static/", "/admin/", "/media/")


@dataclass(frozen=True)
class Offer:
    """A link or a form's button on a page: where it leads, and how."""

    method: str
    url: str
    on_page: str
    text: str


class _Offers(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.forms: list[tuple[str, str]] = []  # (method, action)
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in values:
            self._href, self._text = values["href"], []
        elif tag == "form":
            self.forms.append((values.get("method", "get").upper(), values.get("action", "")))

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def offers_on(page_url: str, html: str) -> list[Offer]:
    """The links and forms a page offers, within the portal."""
    parser = _Offers()
    parser.feed(html)
    found = [Offer("GET", urljoin(page_url, href), page_url, text) for href, text in parser.links]
    found += [
        Offer(
            method if method in ("GET", "POST") else "GET",
            urljoin(page_url, action or page_url),
            page_url,
            "form",
        )
        for method, action in parser.forms
    ]
    return [o for o in found if _inside(o.url)]


def _inside(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("", "http")
        and parts.netloc in ("", "testserver")
        and parts.path.startswith("/")
        and not parts.path.startswith(NOT_FOLLOWED_PREFIXES)
    )


def pattern_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


# A page: its URL pattern, the arguments naming its object, and the page of a list (1, or 2
# for any later page, so a long list is tried on two pages, not on every one).
PageKey = tuple[str, tuple[tuple[str, str], ...], int]


def page_key(url: str) -> PageKey | None:
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    number = parse_qs(parts.query).get("page", ["1"])[-1]
    later = number.isdigit() and int(number) > 1
    arguments = tuple(sorted((k, str(v)) for k, v in match.kwargs.items()))
    return match.view_name, arguments, 2 if later else 1


def _one_of_the_first(
    offer: Offer, numbers: dict[tuple[str, str, str], set[str]], most: int
) -> bool:
    """Whether each numbered argument of the offer's URL is one of the first `most` numbers
    met for it (counting this one)."""
    key = page_key(offer.url)
    assert key is not None
    pattern, arguments, _ = key
    numbered = [(name, value) for name, value in arguments if value.isdigit()]
    for name, value in numbered:
        met = numbers.get((offer.method, pattern, name), set())
        if value not in met and len(met) >= most:
            return False
    for name, value in numbered:
        numbers.setdefault((offer.method, pattern, name), set()).add(value)
    return True


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _session(client: Client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


@dataclass
class Crawl:
    """What a persona was shown: the pages (one per pattern) and the offers that led nowhere."""

    pages: dict[str, str] = field(default_factory=dict)  # pattern -> an address of it
    dead_ends: list[str] = field(default_factory=list)
    checked: int = 0
    left: int = 0  # offers still queued when the limit was reached


def crawl(
    client: Client,
    *,
    start: str = "/",
    limit: int = 200,
    posts: bool = True,
    skip: frozenset[str] | set[str] = frozenset(),
    by_object: bool = False,
    per_pattern: int = 3,
    seen: Callable[[Offer, str, Any], None] | None = None,
) -> Crawl:
    """Breadth first from `start`. Each offer is tried once per (method, URL pattern), or with
    `by_object` once per (method, page_key): a GET as it is; a POST empty, in a savepoint
    rolled back after it (it changes nothing), unless `posts` is False. A page answered 200
    with HTML is crawled in turn (and, `by_object`, a GET's redirect followed). `seen` is
    given each offer tried, its path and the answer."""
    result = Crawl()
    tried: set[tuple[str, object]] = set()
    numbers: dict[tuple[str, str, str], set[str]] = {}  # (method, pattern, argument) -> met
    queue: deque[Offer] = deque([Offer("GET", start, "(start)", "start")])
    session = _session(client)
    while queue and result.checked < limit:
        offer = queue.popleft()
        pattern = pattern_of(offer.url)
        if pattern is None:
            result.dead_ends.append(f"{offer.on_page}: “{offer.text}” → {offer.url}: no such page")
            continue
        once: tuple[str, object] = (
            offer.method,
            page_key(offer.url) if by_object else pattern,
        )
        if pattern in NOT_FOLLOWED or pattern in skip or once in tried:
            continue
        if offer.method == "POST" and not posts:
            continue
        if by_object and not _one_of_the_first(offer, numbers, per_pattern):
            continue
        tried.add(once)
        result.checked += 1
        path = _path(offer.url)
        if offer.method == "POST":
            with transaction.atomic():
                response = client.post(path, {})
                transaction.set_rollback(True)
        else:
            response = client.get(path)
        assert _session(client) == session, f"{offer.method} {path} signed the crawl out"
        if seen is not None:
            seen(offer, path, response)
        status = response.status_code
        if status in DEAD_ENDS or status >= 500:
            result.dead_ends.append(
                f"{offer.on_page}: “{offer.text}” → {offer.method} {path}: {status}"
            )
            continue
        is_html = response.get("Content-Type", "").startswith("text/html")
        if offer.method == "GET" and status == 200 and is_html and not response.streaming:
            result.pages.setdefault(pattern, path)
            queue.extend(offers_on(path, response.content.decode()))
        elif by_object and offer.method == "GET" and status in (301, 302, 303):
            # Where a link leads by way of a redirect is a page too (the first step of a form).
            target = urljoin(path, response["Location"])
            if _inside(target):
                queue.append(Offer("GET", target, path, "(redirected)"))
    result.left = len(queue)
    return result
