"""Who may have Pupil Premium Plus, and which kind, from the child's year group and setting.

The ranges are the authority's rule set (calendars.PepRuleSet, the DfE's conditions of grant by
default): Pupil Premium Plus from Reception to Year 11; the Early Years Pupil Premium, at its
own rate, for three- and four-year-olds in funded early education; after Year 11, none (the
16 to 19 bursary is the support). Pure: the caller gives the rules, the child's date of birth,
the day and whether the child has an early education place.
"""

import datetime as dt
from dataclasses import dataclass

from children.school_year import YearGroup, age_on, year_group_on
from pep_portal.calendars.deadlines import PepRules

from .models import PpKind

BURSARY_POINTER = (
    "Support after Year 11 comes from the 16 to 19 bursary, which the school or college pays: "
    "see https://www.gov.uk/1619-bursary-fund"
)


def year_group_label(number: int) -> str:
    """N1 and N2 as nurseries say them; Reception; Year 1 to Year 13."""
    if number == -2:
        return "Nursery 1 (N1)"
    if number == -1:
        return "Nursery 2 (N2)"
    return YearGroup(number).label


@dataclass(frozen=True)
class _Ranges:
    """The ranges alone, for an authority without a rule set: the DfE's conditions of grant."""

    pp_plus_first_year_group: int = 0
    pp_plus_last_year_group: int = 11
    early_years_pp_first_age: int = 3
    early_years_pp_last_age: int = 4


STATUTORY_RULES = _Ranges()


@dataclass(frozen=True)
class Eligibility:
    kind: PpKind | None
    year_group: int
    # Why not, in plain words (with the pointer to the bursary post-16); "" when eligible.
    reason: str = ""

    @property
    def eligible(self) -> bool:
        return self.kind is not None


def pp_eligibility(
    rules: PepRules | _Ranges, *, date_of_birth: dt.date, on: dt.date, in_early_education: bool
) -> Eligibility:
    """Which premium, if any, a child born on `date_of_birth` may have on `on`.

    `in_early_education`: the child has a place at a school or early years setting (for a
    child below Reception, that is funded early education)."""
    number = year_group_on(date_of_birth, on).number
    label = year_group_label(number)
    if rules.pp_plus_first_year_group <= number <= rules.pp_plus_last_year_group:
        return Eligibility(PpKind.PP_PLUS, number)
    if number > rules.pp_plus_last_year_group:
        return Eligibility(
            None,
            number,
            f"Pupil Premium Plus is for children up to "
            f"{year_group_label(rules.pp_plus_last_year_group)}; this child is in {label}. "
            f"{BURSARY_POINTER}",
        )
    age = age_on(date_of_birth, on)
    first, last = rules.early_years_pp_first_age, rules.early_years_pp_last_age
    if not first <= age <= last:
        return Eligibility(
            None,
            number,
            f"The Early Years Pupil Premium is for children aged {first} to {last} in funded "
            f"early education; this child is {age}",
        )
    if not in_early_education:
        return Eligibility(
            None,
            number,
            "The Early Years Pupil Premium is paid to the child's early years setting: record "
            "the child's funded early education place first",
        )
    return Eligibility(PpKind.EARLY_YEARS, number)
