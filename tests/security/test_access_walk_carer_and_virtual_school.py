"""The access walk (tests/security/access_walk.py), part two: another school's teacher, the
carer, the virtual school and the reviewing officer."""

import pytest

from .access_walk import sides_for, walk


@pytest.fixture
def sides(personas, pep_setting):  # type: ignore[no-untyped-def]
    return sides_for(personas, pep_setting)


def test_the_access_walk_finds_no_leak_for_the_carer_and_the_virtual_school(  # type: ignore[no-untyped-def]
    personas, sides, record_property
):
    walk(
        "another school, the carer, the virtual school, the reviewing officer",
        personas,
        sides,
        record_property,
    )
