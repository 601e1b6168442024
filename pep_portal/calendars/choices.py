"""Choices shared by the models and the pure deadline engine (which must not need the ORM)."""

from django.db import models


class PeriodKind(models.TextChoices):
    # Pupils attend on the weekdays inside a term, unless a closure or bank holiday says not.
    TERM = "term", "Term"
    # Half-term, holiday, INSET (training) day or any other day the school is shut to pupils.
    CLOSED = "closed", "Closed"


class DayUnit(models.TextChoices):
    SCHOOL = "school", "school days"
    WORKING = "working", "working days"
    CALENDAR = "calendar", "calendar days"


class TermCode(models.TextChoices):
    """The stable code of a review term. PEPs (peps.models.Term uses the same codes), deadlines
    and the termly set-up are keyed by it, never by the name the authority gives the term on
    the rules page, which may change at any time without moving a date."""

    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


class PpDecider(models.TextChoices):
    """Who decides Pupil Premium Plus requests in an authority."""

    VIRTUAL_SCHOOL = "virtual_school", "The virtual school approves each request"
    SCHOOL = (
        "school",
        "A termly amount is devolved to the school; the designated teacher allocates it",
    )


class Contribution(models.TextChoices):
    """A contribution a rule set may want complete before a PEP is "Ready for meeting"
    (peps/sections.py says which sections make up each)."""

    TEACHER_SECTIONS = "teacher_sections", "The designated teacher's sections"
    CARE_INFORMATION = "care_information", "The social worker's care information"
    CHILD_VIEWS = "child_views", "The child or young person's views"
