"""A crawl of what each persona is shown: from the home page, every link and form on every
page they reach, one address per URL pattern (the first met), with the Django test Client.
Used by the test that no page offers what its viewer may not do, and by the browser's reflow
crawl at 320 px (which visits the pages found here)."""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

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
) -> Crawl:
    """Breadth first from `start`. Each offer is tried once per (method, URL pattern): a GET
    as it is; a POST empty, in a savepoint rolled back after it (it changes nothing), unless
    `posts` is False. A page answered 200 with HTML is crawled in turn."""
    result = Crawl()
    tried: set[tuple[str, str]] = set()
    queue: deque[Offer] = deque([Offer("GET", start, "(start)", "start")])
    session = _session(client)
    while queue and result.checked < limit:
        offer = queue.popleft()
        pattern = pattern_of(offer.url)
        if pattern is None:
            result.dead_ends.append(f"{offer.on_page}: “{offer.text}” → {offer.url}: no such page")
            continue
        if pattern in NOT_FOLLOWED or pattern in skip or (offer.method, pattern) in tried:
            continue
        if offer.method == "POST" and not posts:
            continue
        tried.add((offer.method, pattern))
        result.checked += 1
        path = _path(offer.url)
        if offer.method == "POST":
            with transaction.atomic():
                response = client.post(path, {})
                transaction.set_rollback(True)
        else:
            response = client.get(path)
        assert _session(client) == session, f"{offer.method} {path} signed the crawl out"
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
    result.left = len(queue)
    return result
