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
