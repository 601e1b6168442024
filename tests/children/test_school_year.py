import datetime as dt

import pytest

from children.school_year import PepTemplate, academic_year_start, year_group_on

ON = dt.date(2026, 11, 24)  # in the 2026/27 school year


@pytest.mark.parametrize(
    ("born", "label", "template"),
    [
        (dt.date(2022, 9, 1), "Nursery", PepTemplate.EYFS),  # youngest-but-one cohort's oldest
        (dt.date(2022, 8, 31), "Reception", PepTemplate.EYFS),  # a day older: a year ahead
        (dt.date(2021, 9, 1), "Reception", PepTemplate.EYFS),
        (dt.date(2021, 8, 31), "Year 1", PepTemplate.YG),
        (dt.date(2011, 9, 1), "Year 10", PepTemplate.YG),
        (dt.date(2010, 9, 1), "Year 11", PepTemplate.YG),
        (dt.date(2010, 8, 31), "Year 12", PepTemplate.POST_16),
        (dt.date(2008, 9, 1), "Year 13", PepTemplate.POST_16),
        (dt.date(2023, 9, 1), "Not yet of nursery age", None),
    ],
)
def test_year_group_and_template_at_the_31_august_boundary(born, label, template):
    group = year_group_on(born, ON)
    assert group.label == label
    assert group.pep_template == template


def test_a_child_moves_up_a_year_on_1_september():
    born = dt.date(2015, 1, 10)
    assert year_group_on(born, dt.date(2026, 8, 31)).label == "Year 6"
    assert year_group_on(born, dt.date(2026, 9, 1)).label == "Year 7"


def test_leap_day_birthdays():
    assert year_group_on(dt.date(2016, 2, 29), ON).label == "Year 6"


def test_academic_year_starts_on_1_september():
    assert academic_year_start(dt.date(2026, 8, 31)) == 2025
    assert academic_year_start(dt.date(2026, 9, 1)) == 2026
