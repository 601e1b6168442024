"""Term calendars (per authority or per school, per academic year) and each authority's PEP
rules, as data. What the rules mean in dates is decided only in deadlines.py."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .choices import DayUnit, PeriodKind, PpDecider, TermCode
from .deadlines import academic_year_label


class TermCalendar(models.Model):
    """One academic year of term dates and closures, of an authority or of one school.

    A school's year with `term` periods is the school's own calendar and replaces its
    authority's for that year; with only `closed` periods it adds closures to it.
    """

    authority = models.ForeignKey(
        "accounts.LocalAuthority",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="term_calendars",
    )
    school = models.ForeignKey(
        "children.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="term_calendars",
    )
    # The calendar year in which the academic year began: 2025 is 2025/26.
    academic_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # Where the dates came from (a file name, or "Entered in the portal"), shown to staff.
    source = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["academic_year", "pk"]
        constraints = [
            models.CheckConstraint(
                name="term_calendar_has_one_owner",
                condition=models.Q(authority__isnull=False, school__isnull=True)
                | models.Q(authority__isnull=True, school__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["authority", "academic_year"],
                condition=models.Q(authority__isnull=False),
                name="one_calendar_per_authority_and_year",
            ),
            models.UniqueConstraint(
                fields=["school", "academic_year"],
                condition=models.Q(school__isnull=False),
                name="one_calendar_per_school_and_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {academic_year_label(self.academic_year)}"

    @property
    def owner(self) -> object:
        return self.authority if self.authority_id else self.school

    @property
    def year_label(self) -> str:
        return academic_year_label(self.academic_year)


class CalendarPeriod(models.Model):
    calendar = models.ForeignKey(TermCalendar, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    # Free text from a council's file: stored and shown as text, never evaluated.
    name = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                name="calendar_period_ends_after_it_starts",
                condition=models.Q(end_date__gte=models.F("start_date")),
            )
        ]
        indexes = [models.Index(fields=["calendar", "start_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date} to {self.end_date} {self.name}"


def _days(help_text: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        default=default, validators=[MaxValueValidator(200)], help_text=help_text
    )


def _unit(default: DayUnit) -> models.CharField:
    return models.CharField(max_length=10, choices=DayUnit.choices, default=default)


class PepRuleSet(models.Model):
    """An authority's PEP rules as data, so a new authority's published rules are a matter of
    filling in fields, never of code. Defaults are the statutory ones where there is one."""

    authority = models.OneToOneField(
        "accounts.LocalAuthority", on_delete=models.CASCADE, related_name="pep_rules"
    )
    # The preset the rules were last reset to; the history says who changed what since.
    preset = models.CharField(max_length=40, blank=True)

    initial_pep_unit = _unit(DayUnit.WORKING)
    initial_pep_days = _days("Initial PEP due within this many days (planned placement).", 20)
    initial_pep_days_emergency = _days(
        "Initial PEP due within this many days after an emergency placement.", 10
    )
    # Some authorities want a new PEP after a change of school; blank means no such rule.
    school_change_pep_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    school_change_pep_unit = _unit(DayUnit.WORKING)
    # Some authorities date the first early-years PEP from the start of the term following
    # the child's third birthday; blank means no such rule.
    early_years_first_pep_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    early_years_first_pep_unit = _unit(DayUnit.SCHOOL)
    early_years_age = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(2), MaxValueValidator(5)]
    )

    formal_meetings_per_year = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(6)]
    )
    # Walsall: the review that need not be a formal meeting is allowed only when the child is
    # making expected progress.
    internal_review_needs_expected_progress = models.BooleanField(default=True)
    teacher_sections_days_before = _days(
        "The designated teacher's sections are due this many days before the meeting.", 5
    )
    teacher_sections_unit = _unit(DayUnit.SCHOOL)
    social_worker_upload_days_after = _days(
        "The completed PEP is due this many days after the meeting.", 3
    )
    social_worker_upload_unit = _unit(DayUnit.WORKING)
    # The last date of the financial year (which ends 31 March, when unspent central PP+ is
    # recovered) on which a Pupil Premium Plus request is accepted: Medway's "before 23 March"
    # is 22 March. The day after it is refused.
    pp_plus_last_accepted_month = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    pp_plus_last_accepted_day = models.PositiveSmallIntegerField(
        default=31, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    # Who is eligible, by year group (-1 nursery, 0 Reception, 1..13 Years 1 to 13): Pupil
    # Premium Plus from Reception to Year 11; the Early Years Pupil Premium (its own rate, set
    # with the year's PP+ rate) for children of these ages in funded early education. Post-16
    # there is none: the 16 to 19 bursary is the support.
    pp_plus_first_year_group = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-2), MaxValueValidator(14)]
    )
    pp_plus_last_year_group = models.SmallIntegerField(
        default=11, validators=[MinValueValidator(-2), MaxValueValidator(14)]
    )
    early_years_pp_first_age = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    early_years_pp_last_age = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    # Who decides requests: the virtual school approves each one, or a termly amount is
    # devolved to the school and its designated teacher allocates it.
    pp_plus_decided_by = models.CharField(
        max_length=20, choices=PpDecider.choices, default=PpDecider.VIRTUAL_SCHOOL
    )
    # Reminders go this many days before a deadline; escalation to the virtual school adviser
    # this many days after it (the dashboard's overdue list shows it from the day it is due).
    reminder_lead_days = models.PositiveSmallIntegerField(default=3)
    escalate_after_days = models.PositiveSmallIntegerField(default=5)
    # The termly PEPs are set up this many days before each review term opens.
    set_up_days_before_term = models.PositiveSmallIntegerField(default=14)
    # Designated teachers are told this many days before the PP+ cut-off.
    pp_plus_reminder_days = models.PositiveSmallIntegerField(
        default=14, validators=[MaxValueValidator(200)]
    )
    # Which contributions must be complete before a PEP is "Ready for meeting" (Walsall: the
    # designated teacher's sections, the care information and the child's views).
    ready_needs_teacher_sections = models.BooleanField(default=True)
    ready_needs_care_information = models.BooleanField(default=False)
    ready_needs_child_views = models.BooleanField(default=False)
    # After a change of school the previous school's designated teacher (and the staff they
    # delegated to) may read the PEPs it contributed to for this many days, counted in
    # `previous_school_access_unit` on the previous school's calendar (not the law's: the
    # portal's default).
    previous_school_access_days = _days(
        "After a change of school, the previous school's designated teacher and the staff they "
        "delegated to may read the PEPs it contributed to for this many days (counted in the "
        "unit beside it).",
        20,
    )
    previous_school_access_unit = _unit(DayUnit.SCHOOL)
    # Walsall: the designated teacher leads reviews and records them; Medway: the social worker.
    teacher_records_meetings = models.BooleanField(default=False)
    no_school_place_meeting_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(24 * 14)]
    )
    # The case system's import (roll/) counts an entry to care as an emergency placement when
    # the first episode's SSDA903 legal status (LS) or placement type (PLACE) is one of these
    # codes, separated by spaces. Defaults: police protection (L1), an emergency protection
    # order (L2) and PACE accommodation (J2), the powers used in an emergency; no placement type.
    emergency_legal_statuses = models.CharField(max_length=100, blank=True, default="L1 L2 J2")
    emergency_placement_codes = models.CharField(max_length=100, blank=True, default="")
    # The case system's import starts the initial-PEP flow (as a hand registration does) for an
    # entry to care at most this many calendar days before the date the extract describes; an
    # older entry is a record brought onto the portal late, whose termly PEPs follow instead.
    initial_pep_lookback_days = models.PositiveSmallIntegerField(
        "An imported entry to care this many days or fewer before the extract's date gets an "
        "initial PEP.",
        default=30,
        validators=[MaxValueValidator(366)],
    )
    # The youngest age at which a child joins the virtual school's roll (and has PEPs).
    youngest_age = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    # Education outcomes (outcomes/attendance.py): a term's attendance under the first is
    # persistent absence (the DfE's "missing 10 % or more"), under the second severe absence;
    # a child with no setting for more than this many calendar days is flagged to the adviser.
    persistent_absence_below = models.DecimalField(
        "persistent absence: attendance under (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("90.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    severe_absence_below = models.DecimalField(
        "severe absence: attendance under (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    missing_education_alert_days = _days(
        "A child with no school or setting for more than this many days is flagged.", 20
    )
    # Where each rule came from ("the seed says …", "the seed is silent: statutory default"),
    # by field name, shown beside the rule on the rules page.
    provenance = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "PEP rule set"

    def __str__(self) -> str:
        return f"PEP rules of {self.authority}"


class ReviewWindow(models.Model):
    """A term in which one PEP review is held, by months of the academic year."""

    rule_set = models.ForeignKey(PepRuleSet, on_delete=models.CASCADE, related_name="windows")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=10, choices=TermCode.choices)
    name = models.CharField(max_length=40)
    first_month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    last_month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "position"], name="one_review_window_per_position"
            ),
            models.UniqueConstraint(fields=["rule_set", "code"], name="one_review_window_per_code"),
        ]

    def __str__(self) -> str:
        return self.name
