"""A hypothesis fuzz over every form the portal shows: each POST form (and each GET search
form) is found on its page as someone allowed to use it, and sent hostile values in every field
it has: impossible dates (31/02), 100,000-character strings, NUL bytes, right-to-left text,
negative and absurd money, markup, SQL. No server error, ever; and a refusal is never a 500.

Examples are bounded (FUZZ_EXAMPLES per form) so the suite stays fast; the hostile values are
drawn first, so each form meets the worst of them every run."""

import os
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import PERSONA_NAMES

from . import world
from .access_walk import CSRF, PUBLIC, TABLE, _kwargs, url_patterns

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))

HOSTILE = [
    "",
    "31",
    "02",
    "31/02/2026",
    "2026-02-31",
    "0",
    "-1",
    "-250.00",
    "-0.01",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "x" * 100_000,
    "a\x00b",
    "\x00",
    "\u202egnp.exe\u202c",
    "مرحبا بالعالم",
    "'; DROP TABLE children_child; --",
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "%s%s%n",
    "\r\n\t",
    "👩‍👧‍👦",
    "../../etc/passwd",
    "true",
    "999999999",
]
value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"[^>]*>", re.I)
_SKIP_FIELDS = {"csrfmiddlewaretoken"}


def _forms(html: str, method: str) -> Iterator[tuple[str, list[str]]]:
    for attributes, body in _FORM.findall(html):
        said = re.search(r'method="(\w+)"', attributes, re.I)
        if (said.group(1).lower() if said else "get") != method.lower():
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        names = sorted(set(_FIELD.findall(body)) - _SKIP_FIELDS)
        if names:
            yield (action.group(1) if action else ""), names


def _asker(allowed) -> str | None:  # type: ignore[no-untyped-def]
    if allowed == PUBLIC:
        return None
    return next((p for p in PERSONA_NAMES if p in allowed), None)


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def sides(personas, pep_setting):  # type: ignore[no-untyped-def]
    return {"in": world.northam(personas, pep_setting)}


def test_every_form_survives_hostile_input_without_a_server_error(personas, sides):
    fuzzed: list[str] = []
    for name, route in url_patterns():
        rule = TABLE[name]
        if rule.kind in ("reset", "job"):
            continue
        for method in ("post", "get"):
            allowed = rule.post if method == "post" else rule.get
            if allowed != PUBLIC and not allowed:
                continue
            asker = _asker(allowed) if allowed != PUBLIC else None
            if allowed != PUBLIC and asker is None:
                continue
            user = getattr(personas, asker) if asker else None
            side = None if rule.kind in ("none", "year") else sides["in"]
            url = reverse(name, kwargs=_kwargs(rule.kind, route, side))
            # The page that shows the form: the URL itself (GET), for the same person.
            page = _client(user).get(url)
            html_page = page.get("Content-Type", "").startswith("text/html")
            if page.status_code != 200 or page.streaming or not html_page:
                continue
            html = page.content.decode()
            for action, fields in _forms(html, method):
                target = action or url
                if method == "post" and target != url:
                    continue  # a form posting elsewhere is fuzzed from its own URL's row
                fuzzed.append(f"{method.upper()} {name}")
                _fuzz(user, method, target, fields)
    print(f"\nFuzzed {len(fuzzed)} forms, {FUZZ_EXAMPLES} examples each: {sorted(set(fuzzed))}")
    assert len(fuzzed) >= 20  # the walk found the forms (a broken parser would find none)


def _fuzz(user, method: str, url: str, fields: list[str]) -> None:  # type: ignore[no-untyped-def]
    client = _client(user)

    @seed(17)
    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({field: value for field in fields}))
    def attempt(data: dict[str, str]) -> None:
        with transaction.atomic():
            if method == "post":
                response = client.post(url, {**data, "csrfmiddlewaretoken": CSRF})
            else:
                response = client.get(url, data)
            transaction.set_rollback(True)
        assert response.status_code < 500, (url, data)

    # The worst values first, in every field at once; then hypothesis's own draws.
    for hostile in ("x" * 100_000, "a\x00b", "31/02/2026", "-250.00", "\u202egnp.exe\u202c"):
        with transaction.atomic():
            payload = {field: hostile for field in fields}
            if method == "post":
                response = client.post(url, {**payload, "csrfmiddlewaretoken": CSRF})
            else:
                response = client.get(url, payload if len(hostile) < 10_000 else {})
            transaction.set_rollback(True)
        assert response.status_code < 500, (url, hostile[:20])
    attempt()
