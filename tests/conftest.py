"""Fixtures every test package shares. The personas themselves are built in
tests/personas.py, the one module that makes them."""

import uuid

import pytest

from tests.personas import PEP_CARE_TEAM, PERSONA_NAMES, Personas, make_personas

__all__ = ["PEP_CARE_TEAM", "PERSONA_NAMES", "Personas"]

# Fixtures shared across test packages (a child with a care team; a PEP under Medway's rules).
pytest_plugins = ["tests.children.fixtures", "tests.peps.fixtures"]


@pytest.fixture(autouse=True)
def _own_rate_limits(settings: object) -> None:
    """Each test counts rate limits under its own prefix in the shared Redis, so attempts made
    by one test (or another worker) never count against the next."""
    ratelimit = {**settings.CACHES["ratelimit"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "ratelimit": ratelimit}


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()
