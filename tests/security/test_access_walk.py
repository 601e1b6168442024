"""The access walk (tests/security/access_walk.py), part one: the table covers every URL
pattern, the parts cover everyone who asks once each, and the walk for the social workers and
the school's staff. The other parts, one file each so that two workers share the walk:
test_access_walk_carer_and_virtual_school.py and test_access_walk_southam_and_signed_out.py."""

from collections import Counter

import pytest

from .access_walk import TABLE, WALKERS, everyone_who_asks, sides_for, url_patterns, walk


def test_every_url_pattern_is_in_the_hand_written_table():
    walked = {name for name, _ in url_patterns()}
    missing = sorted(walked - TABLE.keys())
    stale = sorted(TABLE.keys() - walked)
    assert not missing, f"URL patterns with no row in the access table: {missing}"
    assert not stale, f"Rows in the access table for URLs that no longer exist: {stale}"


def test_the_walks_parts_are_everyone_who_asks_each_once():
    counted = Counter(persona for walkers in WALKERS.values() for persona in walkers)
    assert sorted(counted) == sorted(everyone_who_asks())
    assert set(counted.values()) == {1}
    assert len(counted) == 12  # the eleven personas and nobody signed in


@pytest.fixture
def sides(personas, pep_setting):  # type: ignore[no-untyped-def]
    return sides_for(personas, pep_setting)


def test_the_access_walk_finds_no_leak_for_social_workers_and_the_school(  # type: ignore[no-untyped-def]
    personas, sides, record_property
):
    walk("social workers and the school", personas, sides, record_property)
