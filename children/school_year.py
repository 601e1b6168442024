"""The English school year a child is in, from the date of birth alone.

A school year runs 1 September to 31 August; a child's cohort is fixed by the age they are on
31 August before it starts: 3 is nursery, 4 is Reception, 5 is Year 1 … 16 is Year 12.
Pure functions, so the screens, the deadline engine and the PDFs all agree.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


class PepTemplate(models.TextChoices):
    EYFS = "eyfs", "EYFS (nursery to Reception)"
    YG = "yg", "YG (Years 1 to 11)"
    POST_16 = "post16", "Post-16 (Year 12 to 18)"


NURSERY = -1
RECEPTION = 0


@dataclass(frozen=True)
class YearGroup:
    number: int  # -1 nursery, 0 Reception, 1..13 Years 1 to 13; below -1: not yet in nursery

    @property
    def label(self) -> str:
        if self.number < NURSERY:
            return "Not yet of nursery age"
        if self.number == NURSERY:
            return "Nursery"
        if self.number == RECEPTION:
            return "Reception"
        return f"Year {self.number}"

    @property
    def pep_template(self) -> PepTemplate | None:
        if self.number < NURSERY:
            return None
        if self.number <= RECEPTION:
            return PepTemplate.EYFS
        if self.number <= 11:
            return PepTemplate.YG
        return PepTemplate.POST_16


def academic_year_start(on: dt.date) -> int:
    """The calendar year in which the academic year containing `on` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)


def year_group_on(date_of_birth: dt.date, on: dt.date) -> YearGroup:
    """The year group a child born on `date_of_birth` is in on `on` (by age, not by school)."""
    cohort_age = age_on(date_of_birth, dt.date(academic_year_start(on), 8, 31))
    return YearGroup(cohort_age - 4)


# PEPs stop at 18: a young person who turns 18 leaves care, and their pathway plan (the
# leaving care service's) takes over. Their last PEP is the last one set up before it.
ADULT_AGE = 18
# The youngest age any authority's roll may start at (two-year-olds in funded early education);
# an authority's own is its rule set's `youngest_age`.
YOUNGEST_AGE = 2


def pep_template_for(
    date_of_birth: dt.date,
    on: dt.date,
    *,
    youngest_age: int = YOUNGEST_AGE,
    early_years_by_age: bool = True,
) -> PepTemplate | None:
    """The PEP template of a child on `on`, where the authority's roll starts at `youngest_age`:
    EYFS from that age (two, in funded early education) to Reception, YG Years 1 to 11, post-16
    from Year 12 until the 18th birthday; None before `youngest_age` and from 18. The one home
    of the ages rule: registration, the import, the termly set-up and each PEP ask it.
    `early_years_by_age=False` where an authority's early-years rule decides when a child
    younger than the nursery year group has a first PEP (peps asks the deadline engine)."""
    age = age_on(date_of_birth, on)
    if age < youngest_age or age >= ADULT_AGE:
        return None
    template = year_group_on(date_of_birth, on).pep_template
    if template is None and early_years_by_age:
        return PepTemplate.EYFS
    return template


def age_check(
    born: dt.date,
    *,
    entered_care_on: dt.date,
    age_checked_on: dt.date | None = None,
    youngest_age: int = YOUNGEST_AGE,
) -> None:
    """Refuse a child the roll does not hold: 18 or over on entering care (the pathway plan is
    theirs), or younger than `youngest_age` on `age_checked_on` (the day entered by hand; the
    extract's date for an import). children.school_year.pep_template_for is the ages rule."""
    if age_on(born, entered_care_on) >= ADULT_AGE:
        raise ValidationError(
            {
                "date_of_birth": "A young person of 18 or over does not enter care: their "
                "pathway plan, with the leaving care service, is the plan"
            }
        )
    if age_on(born, age_checked_on or entered_care_on) < youngest_age:
        raise ValidationError(
            {"date_of_birth": f"PEPs are for children from age {youngest_age} to 18"}
        )


def eighteenth_birthday(date_of_birth: dt.date) -> dt.date:
    try:
        return date_of_birth.replace(year=date_of_birth.year + ADULT_AGE)
    except ValueError:  # born 29 February: 18 on 1 March
        return dt.date(date_of_birth.year + ADULT_AGE, 3, 1)


def birth_dates_for_template(template: PepTemplate, on: dt.date) -> tuple[dt.date, dt.date]:
    """The earliest and latest dates of birth of children on `template` on `on` (inclusive).

    Year group n is the cohort aged n + 4 on 31 August of the school year's start, i.e. born
    1 September (start - n - 5) to 31 August (start - n - 4).
    """
    start = academic_year_start(on)
    youngest, oldest = {
        PepTemplate.EYFS: (NURSERY, RECEPTION),
        PepTemplate.YG: (1, 11),
        PepTemplate.POST_16: (12, 14),  # PEPs stop at 18: Year 14 is the last cohort of 18s
    }[template]
    return dt.date(start - oldest - 5, 9, 1), dt.date(start - youngest - 4, 8, 31)


# The year groups a setting of each phase (GIAS "PhaseOfEducation") teaches, widened at the
# edges where schools commonly differ (a primary with a nursery class; a middle school of
# Years 4 to 8 or 5 to 9). A blank or unknown phase ("Not applicable", "All-through") is not
# checked.
PHASE_YEAR_GROUPS: dict[str, tuple[int, int]] = {
    "nursery": (NURSERY - 1, RECEPTION),
    "primary": (NURSERY, 6),
    "middle deemed primary": (3, 8),
    "middle deemed secondary": (4, 9),
    "secondary": (7, 13),
    "16 plus": (12, 13),
}


def setting_age_warning(
    *, date_of_birth: dt.date, on: dt.date, phase: str, school_name: str
) -> str:
    """A warning when a child's year group on `on` does not fit the setting's phase (Year 4
    at a secondary school); empty when it fits or the phase says nothing. Never a refusal:
    a child may be educated out of their year group."""
    span = PHASE_YEAR_GROUPS.get(phase.strip().lower())
    if span is None:
        return ""
    group = year_group_on(date_of_birth, on)
    if span[0] <= group.number <= span[1]:
        return ""
    return (
        f"{school_name} is a {phase.strip().lower()} setting, but the child is in "
        f"{group.label} by age: check the school and the date of birth."
    )
