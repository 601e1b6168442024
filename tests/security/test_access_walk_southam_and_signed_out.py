"""The access walk (tests/security/access_walk.py), part three: the authority's administrator,
Southam's staff and nobody signed in."""

import pytest

from .access_walk import sides_for, walk


@pytest.fixture
def sides(personas, pep_setting):  # type: ignore[no-untyped-def]
    return sides_for(personas, pep_setting)


def test_the_access_walk_finds_no_leak_for_southam_and_the_signed_out(  # type: ignore[no-untyped-def]
    personas, sides, record_property
):
    walk("the administrator, Southam's staff, nobody signed in", personas, sides, record_property)
