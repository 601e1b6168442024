import pytest

from children.models import School
from pep_portal.calendars.deadlines import PepRules, SchoolCalendar
from pep_portal.calendars.services import term_dates_load
from pep_portal.calendars.term_dates import read_csv
from tests.conftest import Personas
from tests.factories import SchoolFactory

from .helpers import FIXTURES, calendar_from_file, preset_rules


@pytest.fixture(scope="session")
def northam() -> SchoolCalendar:
    """Northam's term dates for 2022/23, 2025/26 and 2026/27 (2023/24, 2024/25 and 2027/28 are
    deliberately not loaded)."""
    return calendar_from_file()


@pytest.fixture(scope="session")
def medway() -> PepRules:
    return preset_rules("medway")


@pytest.fixture(scope="session")
def walsall() -> PepRules:
    return preset_rules("walsall")


# --- database fixtures ------------------------------------------------------------------------


def load_file(name: str, **owner: object):  # type: ignore[no-untyped-def]
    with (FIXTURES / name).open("rb") as stream:
        rows = read_csv(stream)
    return term_dates_load(actor=None, rows=rows, source=name, **owner)  # type: ignore[arg-type]


@pytest.fixture
def northam_loaded(personas: Personas) -> Personas:
    """Northam (the personas' authority) with its term dates loaded."""
    load_file("northam-term-dates.csv", authority=personas.authority)
    return personas


@pytest.fixture
def northam_school(personas: Personas) -> School:
    """A school inside Northam (its LA code is Northam's)."""
    return SchoolFactory(name="Riverside Academy", urn=801001, la_code=personas.authority.la_code)


@pytest.fixture
def vs_administrator(personas: Personas):  # type: ignore[no-untyped-def]
    user = personas.virtual_school_staff
    user.is_vs_administrator = True
    user.save()
    return user
