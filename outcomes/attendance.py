"""Attendance from sessions, and the rule set's persistent and severe absence flags: the one
home of these sums. Percentages are computed from the sessions, never typed, and compared
exactly (no rounding decides a flag): attendance is present / possible."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pep_portal.calendars.deadlines import PepRules

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Thresholds:
    """The rule set's lines (calendars.PepRuleSet); the defaults where an authority has none."""

    persistent_below: Decimal = PepRules.persistent_absence_below
    severe_below: Decimal = PepRules.severe_absence_below
    missing_education_days: int = PepRules.missing_education_alert_days

    @classmethod
    def of(cls, rules: PepRules) -> "Thresholds":
        return cls(
            rules.persistent_absence_below,
            rules.severe_absence_below,
            rules.missing_education_alert_days,
        )


@dataclass(frozen=True)
class Sessions:
    possible: int
    present: int
    authorised: int
    unauthorised: int


def problems(sessions: Sessions) -> dict[str, str]:
    """What is wrong with a term's sessions, by field (empty when nothing is)."""
    errors: dict[str, str] = {}
    names = {
        "possible": "Sessions possible",
        "present": "Sessions present",
        "authorised": "Authorised absence",
        "unauthorised": "Unauthorised absence",
    }
    for name, label in names.items():
        value = getattr(sessions, name)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = f"{label} must be a whole number"
        elif value < 0:
            errors[name] = f"{label} must be 0 or more"
        elif value > MAX_SESSIONS:
            errors[name] = f"{label} must be {MAX_SESSIONS:,} or fewer"
    if errors:
        return errors
    if sessions.possible == 0:
        errors["possible"] = "Sessions possible must be more than 0"
    elif sessions.present + sessions.authorised + sessions.unauthorised > sessions.possible:
        errors["present"] = "Sessions present and absent add up to more than the sessions possible"
    return errors


# Two sessions a day, 195 days: a whole school year is 390 sessions; a term never more than 200.
MAX_SESSIONS = 400


def percentage(part: int, whole: int) -> Decimal:
    """`part` of `whole` as a percentage to two places (for showing; flags compare exactly)."""
    if whole <= 0:
        return Decimal(0)
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def attendance_percent(sessions: Sessions) -> Decimal:
    return percentage(sessions.present, sessions.possible)


def absence_percent(sessions: Sessions) -> Decimal:
    return percentage(sessions.authorised + sessions.unauthorised, sessions.possible)


def under(present: int, possible: int, threshold: Decimal) -> bool:
    """Whether present / possible is under `threshold` per cent, exactly."""
    return possible > 0 and Decimal(present) * HUNDRED < threshold * Decimal(possible)


def is_persistent_absence(sessions: Sessions, lines: Thresholds) -> bool:
    return under(sessions.present, sessions.possible, lines.persistent_below)


def is_severe_absence(sessions: Sessions, lines: Thresholds) -> bool:
    return under(sessions.present, sessions.possible, lines.severe_below)
