"""Fixtures every test package shares. The personas themselves are built in
tests/personas.py, the one module that makes them."""

import uuid

import pytest
from django.test import Client

from tests.personas import PEP_CARE_TEAM, PERSONA_NAMES, Personas, make_personas
from tests.second_factor import verified_login

__all__ = ["PEP_CARE_TEAM", "PERSONA_NAMES", "Personas"]

# Fixtures shared across test packages (a child with a care team; a PEP under Medway's rules;
# private storage as a folder and as an S3 bucket).
pytest_plugins = ["tests.children.fixtures", "tests.peps.fixtures", "tests.filejobs.stores"]


@pytest.fixture(autouse=True)
def _signed_in_with_second_factor(request: pytest.FixtureRequest, monkeypatch: object) -> None:
    """force_login and login in tests give a session verified by a second factor (through
    django_otp.login, tests/second_factor.py), unless the test is about the second factor."""
    if request.node.get_closest_marker("second_factor_by_hand") is None:
        monkeypatch.setattr(Client, "_login", verified_login(Client._login))


@pytest.fixture(autouse=True)
def _own_rate_limits(settings: object) -> None:
    """Each test counts rate limits under its own prefix in the shared Redis, so attempts made
    by one test (or another worker) never count against the next."""
    ratelimit = {**settings.CACHES["ratelimit"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "ratelimit": ratelimit}


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


# The slowest files first: with `-n N --dist loadfile` (Makefile) each file runs whole on one
# worker, so a long file handed out last keeps the run going after the others have finished.
SLOWEST_FIRST = (
    # The access walk in three parts of about the same length (tests/security/access_walk.py).
    "tests/security/test_access_walk_carer_and_virtual_school.py",
    "tests/security/test_access_walk.py",
    "tests/security/test_access_walk_southam_and_signed_out.py",
    "tests/browser/test_termly_cycle_in_the_browser.py",
    "tests/browser/test_reflow_at_320.py",
    "tests/notifications/test_simulation.py",
    "tests/portal/test_make_run_on_sqlite.py",
    "tests/portal/test_serve_prod.py",
    "tests/security/test_fuzz_forms.py",
    "tests/portal/test_compose.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return SLOWEST_FIRST.index(path) if path in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # a stable sort: every other test keeps its order
