"""Every HTML page carries the strict Content-Security-Policy: no inline script, no inline
style, nothing from other hosts. The pages are found by walking the URL resolver, not listed by
hand, so a new page is checked the day it is added; each is fetched by several personas (and by
nobody signed in), so the sign-in page, the pages people see and the error pages all count."""

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from meetings.services import meeting_arrange
from tests.meetings.test_meetings import at

# Pages that must have answered 200 with HTML to at least one persona: proof that the walk
# reached real pages, not only sign-in redirects and "not found".
MUST_RENDER = {
    "login",
    "home",
    "people_list",
    "child_list",
    "child_detail",
    "child_audit",
    "pep_detail",
    "section_edit",
    "meeting_calendar",
    "meeting_detail",
    "meeting_arrange",
    "qa_queue",
    "vs_dashboard",
    "pp_request_list",
    "notification_list",
    "calendar_home",
    "calendar_year",
}


def routes(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:  # type: ignore[type-arg]
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # Django's own admin, behind its own sign-in
            found += routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def fill(route: str, values: dict[str, object]) -> str:
    """The route with each <converter:name> replaced by a real object's value; `pk` means the
    object the route's first segment names (a person, a child, a PEP, a meeting)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        key = f"{route.split('/')[0]}:pk" if name == "pk" else name
        return str(values.get(key, 1 if match.group(0).startswith("<int:") else "x"))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
def test_every_html_page_carries_a_csp_without_inline_script_or_style(
    client, personas, pep_setting
):
    child, pep = pep_setting.child, pep_setting.pep
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep, starts_at=at(dt.date(2026, 12, 8))
    ).meeting
    values = {
        "people:pk": personas.designated_teacher.pk,
        "children:pk": child.pk,
        "peps:pk": pep.pk,
        "meetings:pk": meeting.pk,
        "child_pk": child.pk,
        "pep_pk": pep.pk,
        "key": "teacher_comments",
        "year": 2026,
        "urn": personas.designated_teacher.school.urn,
    }
    personas.virtual_school_staff.is_vs_administrator = True
    personas.virtual_school_staff.save()
    visitors = [
        None,
        personas.virtual_school_staff,
        personas.social_worker,
        personas.designated_teacher,
        personas.authority_administrator,
    ]
    checked: list[str] = []
    rendered: set[str] = set()
    pages = [
        (fill(route, values), pattern.name or route)
        for route, pattern in routes(get_resolver().url_patterns)
    ]
    for visitor in visitors:
        client.logout()
        if visitor is not None:
            client.force_login(visitor)
        for path, name in pages:
            response = client.get(path)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            who = visitor.full_name if visitor else "nobody"
            where = f"{path} as {who} ({response.status_code})"
            assert "Content-Security-Policy" in response, where
            rules = policy(response["Content-Security-Policy"])
            for directive in ("script-src", "style-src"):
                sources = rules.get(directive, rules.get("default-src"))
                assert sources, f"{where}: no {directive}"
                assert "'unsafe-inline'" not in sources, f"{where}: {directive} {sources}"
                assert "'unsafe-eval'" not in sources, f"{where}: {directive} {sources}"
                assert "*" not in sources and "data:" not in sources, where
            assert rules["object-src"] == ["'none'"], where
            assert rules["frame-ancestors"] == ["'none'"], where
            checked.append(where)
            if response.status_code == 200:
                rendered.add(name)
    assert rendered >= MUST_RENDER, sorted(MUST_RENDER - rendered)
    assert len(checked) > 200
