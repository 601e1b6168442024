"""Reflow at 320 CSS pixels (WCAG 1.4.10): every page each kind of user reaches, one address
per URL pattern (found by the Django test Client's crawl, tests/portal/crawl.py), shown in
Chromium 320 pixels wide, never scrolls sideways. Wide tables scroll inside their own labelled,
focusable box instead. axe, at every level of impact, finds nothing on any of those pages (the
first shown of each URL pattern), nor on the legal pages signed out, nor wide on the PEP page
and the dashboard."""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from meetings.models import Meeting
from tests.browser.conftest import accessibility_violations
from tests.portal.crawl import crawl
from tests.security import world

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

# One of each kind of user, the one shown most first (Val Admin: the virtual school's pages,
# staff and administrator, with every row's actions).
KINDS = [
    "virtual_school_administrator",
    "social_worker",
    "designated_teacher",
    "carer",
    "independent_reviewing_officer",
    "authority_administrator",
]
# Pages whose content depends most on who is looking (their actions, their work): shown at
# 320 px to every kind who reaches them. Any other page is shown once, to the first kind in
# KINDS who reaches it (the crawl's budget: under a minute).
EVERY_KIND_SEES = {"home", "child_detail", "pep_detail", "meeting_detail", "people_list"}
# Addresses that start a job rather than show a page (a PDF is made by the worker).
STARTS_WORK = {"pep_pdf", "pep_pdf_bulk", "subject_access_start"}
PHONE = {"width": 320, "height": 640}
# What sticks out past the window's right edge (the innermost elements), for the message.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => ![...e.children].some(
        c => c.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + '.' + [...e.classList].join('.') + ' ' + (e.textContent || '').trim().slice(0, 40))"""
# How far the page is wider than the window, in CSS pixels (0: no sideways scrolling).
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _phone_or_desk(browser, base_url: str, viewport: dict[str, int], user=None):  # type: ignore[no-untyped-def]
    """A browser context signed in as `user` (or nobody), under the real CSP: anything the
    policy refuses is kept in `context.refused` and fails the test."""
    context = browser.new_context(base_url=base_url, viewport=viewport)
    if user is not None:
        context.add_cookies([_session_cookie(user, base_url)])
    context.refused = []

    def watch(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            context.refused.append(message.text)

    context.on("console", watch)
    return context


def _session_cookie(user, base_url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}


@pytest.fixture
def held(personas, pep_setting):  # type: ignore[no-untyped-def]
    side = world.northam(personas, pep_setting)
    Meeting.objects.filter(pk=side.meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=1)
    )
    return side


def _reflow_crawl(browser, base_url: str, personas) -> tuple[list[str], dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """What is too wide at 320 px, and what axe finds (every impact) on each URL pattern's
    first page shown: every page of the crawl, once per pattern."""
    too_wide: list[str] = []
    inaccessible: dict[str, list[str]] = {}
    visited = 0
    shown: set[str] = set()
    axed: set[str] = set()
    axe_seconds = 0.0
    for name in KINDS:
        user = getattr(personas, name)
        client = Client()
        client.force_login(user)
        before = time.monotonic()
        pages = crawl(client, posts=False, skip=STARTS_WORK).pages
        print(f"{name}: found by the Django client in {time.monotonic() - before:.1f}s")
        context = _phone_or_desk(browser, base_url, PHONE, user)
        page = context.new_page()
        for pattern, url in sorted(pages.items()):
            if pattern in shown and pattern not in EVERY_KIND_SEES:
                continue
            shown.add(pattern)
            page.goto(url, wait_until="domcontentloaded")
            visited += 1
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                culprits = page.evaluate(STICKING_OUT)
                too_wide.append(f"{name}: {url} ({pattern}) is {overflow}px too wide: {culprits}")
            if pattern not in axed:
                axed.add(pattern)
                before = time.monotonic()
                found = accessibility_violations(page)
                axe_seconds += time.monotonic() - before
                if found:
                    inaccessible[f"{url} ({pattern}) as {name}"] = found
        too_wide += [f"{name}: refused by the CSP: {text}" for text in context.refused]
        context.close()
    print(f"\nReflow at 320 px: {visited} pages; axe on {len(axed)} in {axe_seconds:.1f}s")
    assert len(shown) > 50 and visited > 70  # every kind of user reached their pages
    assert axed == shown  # axe saw every URL pattern shown
    return too_wide, inaccessible


def _wide_table_scrolls_in_its_box(browser, base_url: str, user, child) -> None:  # type: ignore[no-untyped-def]
    context = _phone_or_desk(browser, base_url, PHONE, user)
    page = context.new_page()
    page.goto(f"/children/{child.pk}/")
    box = page.get_by_role("region", name="Time in care")
    box.focus()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Time in care"
    # The table is wider than its box, and the box, not the page, scrolls.
    widths = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert widths[0] > widths[1]
    assert page.evaluate(OVERFLOW) <= 0
    context.close()


def _axe_on_changed_pages(browser, base_url: str, personas, held) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The legal pages signed out, then the pages this work changed as the people who use
    them, at 320 pixels (where targets crowd most); the PEP page and dashboard wide too."""
    found: dict[str, list[str]] = {}
    signed_out = ["/accessibility/", "/privacy/", "/cookies/", "/help/"]
    as_people = {
        personas.social_worker: [f"/peps/{held.pep.pk}/"],
        personas.designated_teacher: ["/"],
        personas.virtual_school_administrator: [
            "/quality-assurance/dashboard/",
            f"/children/{held.child.pk}/",
            "/calendars/2026/",
        ],
    }
    wide_too = {f"/peps/{held.pep.pk}/"}
    for viewport in (PHONE, {"width": 1024, "height": 768}):
        on_phone = viewport is PHONE
        context = _phone_or_desk(browser, base_url, viewport)
        page = context.new_page()
        for url in signed_out:
            if on_phone or url in wide_too:
                page.goto(url)
                found[f"{url} signed out, {viewport['width']}px"] = accessibility_violations(page)
        assert context.refused == []
        context.close()
        for user, urls in as_people.items():
            context = _phone_or_desk(browser, base_url, viewport, user)
            page = context.new_page()
            for url in urls:
                if not (on_phone or url in wide_too):
                    continue
                response = page.goto(url)
                assert response is not None and response.status == 200, url
                found[f"{url} as {user.full_name}, {viewport['width']}px"] = (
                    accessibility_violations(page)
                )
            assert context.refused == []
            context.close()
    return {where: v for where, v in found.items() if v}


def test_every_page_reflows_at_320_pixels_and_passes_axe(  # type: ignore[no-untyped-def]
    browser, live_server, personas, held
):
    """One test (one live server, one database to flush): the crawl, a wide table's own
    scrolling box, and axe at every impact on every page pattern the crawl shows, then on the
    legal pages signed out and some pages wide."""
    started = time.monotonic()
    too_wide, inaccessible = _reflow_crawl(browser, live_server.url, personas)
    print(f"Reflow crawl: {time.monotonic() - started:.1f}s")
    assert too_wide == [], "\n".join(too_wide)
    assert inaccessible == {}, "\n".join(f"{w}: {v}" for w, v in inaccessible.items())
    _wide_table_scrolls_in_its_box(
        browser, live_server.url, personas.virtual_school_administrator, held.child
    )
    started = time.monotonic()
    problems = _axe_on_changed_pages(browser, live_server.url, personas, held)
    print(f"axe on the changed pages: {time.monotonic() - started:.1f}s")
    assert problems == {}, "\n".join(f"{w}: {v}" for w, v in problems.items())
