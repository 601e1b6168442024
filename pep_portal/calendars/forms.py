"""Forms shape and check what was typed; the rules live in services.py and deadlines.py."""

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from children.forms import DateField, PortalForm, SchoolUrnField
from pep_portal.forms import StorableTextMixin

from .choices import DayUnit, PeriodKind, TermCode
from .models import PepRuleSet
from .term_dates import MAX_BYTES, MAX_NAME_LENGTH

MONTHS = [
    (9, "September"),
    (10, "October"),
    (11, "November"),
    (12, "December"),
    (1, "January"),
    (2, "February"),
    (3, "March"),
    (4, "April"),
    (5, "May"),
    (6, "June"),
    (7, "July"),
    (8, "August"),
]


class PeriodForm(PortalForm):
    required_messages = {
        "kind": "Choose term or closed",
        "start_date": "Enter the first day",
        "end_date": "Enter the last day",
    }

    kind = forms.ChoiceField(
        choices=PeriodKind.choices,
        widget=forms.RadioSelect,
        label="What is it?",
        help_text="A term: pupils attend on its weekdays. Closed: a half-term, holiday, INSET "
        "day or other closure.",
    )
    start_date = DateField(label="First day")
    end_date = DateField(label="Last day", help_text="The same as the first day for one day.")
    name = forms.CharField(
        label="Name", required=False, max_length=MAX_NAME_LENGTH, help_text="For example, INSET day"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's own <form> carries the CSRF token (and a GET form must not).
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.SMALL),
            Field("start_date"),
            Field("end_date"),
            Field.text("name", field_width=20),
            Button("submit", "Save"),
        )


class UploadForm(PortalForm):
    required_messages = {"file": "Choose a CSV or iCalendar file"}

    file = forms.FileField(
        label="Term dates file",
        help_text="A CSV file with the header kind,start_date,end_date,name, or an iCalendar "
        "(.ics) file of closures.",
    )
    school = SchoolUrnField(
        label="School URN",
        required=False,
        help_text="Leave blank for your authority's term dates. For a school, its 6-digit URN.",
    )
    year_start = DateField(
        label="First day of term", required=False, help_text="iCalendar files only."
    )
    year_end = DateField(
        label="Last day of term", required=False, help_text="iCalendar files only."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's own <form> carries the CSRF token (and a GET form must not).
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("file"),
            Field.text("school", field_width=10),
            Fieldset(
                Field("year_start"),
                Field("year_end"),
                legend="For an iCalendar file: the academic year",
                legend_size=Size.SMALL,
            ),
            Button("submit", "Upload"),
        )

    @property
    def is_ics(self) -> bool:
        upload = self.cleaned_data.get("file")
        return bool(upload) and upload.name.lower().endswith(".ics")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(f"The file must be smaller than {MAX_BYTES // (1024 * 1024)} MB")
        if not upload.name.lower().endswith((".csv", ".ics")):
            raise ValidationError("The file must be a CSV (.csv) or iCalendar (.ics) file")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_ics:
            for name in ("year_start", "year_end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Enter the date, for an iCalendar file")
        return data


# Year groups as the rules store them: -2 N1, -1 N2 (nursery), 0 Reception, 1..13 Years 1 to 13.
YEAR_GROUP_CHOICES = [
    (-2, "Nursery 1 (N1)"),
    (-1, "Nursery 2 (N2)"),
    (0, "Reception"),
    *((n, f"Year {n}") for n in range(1, 14)),
]


def _month_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=MONTHS, coerce=int)


class RuleSetForm(StorableTextMixin, forms.ModelForm):
    class Meta:
        model = PepRuleSet
        fields = [
            "initial_pep_unit",
            "initial_pep_days",
            "initial_pep_days_emergency",
            "school_change_pep_days",
            "school_change_pep_unit",
            "early_years_first_pep_days",
            "early_years_first_pep_unit",
            "early_years_age",
            "formal_meetings_per_year",
            "internal_review_needs_expected_progress",
            "teacher_sections_days_before",
            "teacher_sections_unit",
            "social_worker_upload_days_after",
            "social_worker_upload_unit",
            "pp_plus_last_accepted_day",
            "pp_plus_last_accepted_month",
            "pp_plus_first_year_group",
            "pp_plus_last_year_group",
            "early_years_pp_first_age",
            "early_years_pp_last_age",
            "pp_plus_decided_by",
            "no_school_place_meeting_hours",
            "teacher_records_meetings",
            "ready_needs_teacher_sections",
            "ready_needs_care_information",
            "ready_needs_child_views",
            "reminder_lead_days",
            "escalate_after_days",
            "set_up_days_before_term",
            "pp_plus_reminder_days",
            "previous_school_access_days",
            "previous_school_access_unit",
            "persistent_absence_below",
            "severe_absence_below",
            "missing_education_alert_days",
        ]
        labels = {
            "initial_pep_unit": "Initial PEP: counted in",
            "initial_pep_days": "Initial PEP: days after a planned placement",
            "initial_pep_days_emergency": "Initial PEP: days after an emergency placement",
            "school_change_pep_days": "New PEP after a change of school: days",
            "school_change_pep_unit": "New PEP after a change of school: counted in",
            "early_years_first_pep_days": "First early-years PEP: days after the term starts",
            "early_years_first_pep_unit": "First early-years PEP: counted in",
            "early_years_age": "First early-years PEP: the term following which birthday",
            "formal_meetings_per_year": "Formal PEP meetings a year",
            "internal_review_needs_expected_progress": (
                "Other reviews may be internal only if the child is making expected progress"
            ),
            "teacher_sections_days_before": "Designated teacher's sections: days before meeting",
            "teacher_sections_unit": "Designated teacher's sections: counted in",
            "social_worker_upload_days_after": "PEP completed and uploaded: days after meeting",
            "social_worker_upload_unit": "PEP completed and uploaded: counted in",
            "pp_plus_last_accepted_day": "PP+ requests: last date accepted, day",
            "pp_plus_last_accepted_month": "PP+ requests: last date accepted, month",
            "pp_plus_first_year_group": "PP+ from year group",
            "pp_plus_last_year_group": "PP+ to year group",
            "early_years_pp_first_age": "Early Years Pupil Premium from age",
            "early_years_pp_last_age": "Early Years Pupil Premium to age",
            "pp_plus_decided_by": "Who decides PP+ requests",
            "no_school_place_meeting_hours": "No school place: meeting with the virtual school "
            "within (hours)",
            "teacher_records_meetings": "Designated teachers may record PEP meetings (not only "
            "the social worker)",
            "ready_needs_teacher_sections": "Before the meeting: the designated teacher's sections",
            "ready_needs_care_information": "Before the meeting: the social worker's care "
            "information",
            "ready_needs_child_views": "Before the meeting: the child or young person's views",
            "reminder_lead_days": "Reminders: days before a deadline",
            "escalate_after_days": "Escalation to the virtual school adviser: days after it",
            "set_up_days_before_term": "Termly PEPs set up: days before the term opens",
            "pp_plus_reminder_days": "PP+ reminder to designated teachers: days before the cut-off",
            "previous_school_access_days": "After a change of school: days the previous school "
            "may still read the PEPs it contributed to",
            "previous_school_access_unit": "After a change of school: the previous school's "
            "days counted in",
            "persistent_absence_below": "Persistent absence: attendance under (%)",
            "severe_absence_below": "Severe absence: attendance under (%)",
            "missing_education_alert_days": "No school or setting: tell the adviser after (days)",
        }
        widgets = {
            name: forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})
            for name in (
                "initial_pep_days",
                "initial_pep_days_emergency",
                "school_change_pep_days",
                "previous_school_access_days",
                "early_years_first_pep_days",
                "early_years_age",
                "formal_meetings_per_year",
                "teacher_sections_days_before",
                "social_worker_upload_days_after",
                "pp_plus_last_accepted_day",
                "early_years_pp_first_age",
                "early_years_pp_last_age",
                "no_school_place_meeting_hours",
                "persistent_absence_below",
                "severe_absence_below",
                "missing_education_alert_days",
            )
        } | {"pp_plus_decided_by": forms.RadioSelect}
        help_texts = {
            "school_change_pep_days": "Leave blank if there is no such rule.",
            "early_years_first_pep_days": "Leave blank if there is no such rule.",
            "no_school_place_meeting_hours": "Leave blank if there is no such rule.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pp_plus_last_accepted_month"] = _month_field(
            "PP+ requests: last date accepted, month"
        )
        for name in ("pp_plus_first_year_group", "pp_plus_last_year_group"):
            self.fields[name] = forms.TypedChoiceField(
                label=self._meta.labels[name],  # type: ignore[index]
                coerce=int,
                choices=YEAR_GROUP_CHOICES,
            )
        for name in (
            "initial_pep_unit",
            "school_change_pep_unit",
            "early_years_first_pep_unit",
            "teacher_sections_unit",
            "social_worker_upload_unit",
            "previous_school_access_unit",
        ):
            self.fields[name].choices = DayUnit.choices
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's own <form> carries the CSRF token (and a GET form must not).
        self.helper.disable_csrf = True
        number = {"field_width": 4}
        self.helper.layout = Layout(
            Fieldset(
                Field.select("initial_pep_unit"),
                Field.text("initial_pep_days", **number),
                Field.text("initial_pep_days_emergency", **number),
                legend="Initial PEP",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("school_change_pep_days", **number),
                Field.select("school_change_pep_unit"),
                Field.text("previous_school_access_days", **number),
                Field.select("previous_school_access_unit"),
                Field.text("early_years_first_pep_days", **number),
                Field.select("early_years_first_pep_unit"),
                Field.text("early_years_age", **number),
                legend="Other new PEPs",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("formal_meetings_per_year", **number),
                Field.checkbox("internal_review_needs_expected_progress", small=True),
                Field.text("teacher_sections_days_before", **number),
                Field.select("teacher_sections_unit"),
                Field.text("social_worker_upload_days_after", **number),
                Field.select("social_worker_upload_unit"),
                Field.checkbox("teacher_records_meetings", small=True),
                Field.checkbox("ready_needs_teacher_sections", small=True),
                Field.checkbox("ready_needs_care_information", small=True),
                Field.checkbox("ready_needs_child_views", small=True),
                Field.text("reminder_lead_days", **number),
                Field.text("escalate_after_days", **number),
                Field.text("set_up_days_before_term", **number),
                legend="Reviews",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("pp_plus_last_accepted_day", **number),
                Field.select("pp_plus_last_accepted_month"),
                Field.text("pp_plus_reminder_days", **number),
                Field.select("pp_plus_first_year_group"),
                Field.select("pp_plus_last_year_group"),
                Field.text("early_years_pp_first_age", **number),
                Field.text("early_years_pp_last_age", **number),
                Field.radios("pp_plus_decided_by", legend_size=Size.SMALL),
                Field.text("no_school_place_meeting_hours", **number),
                legend="Pupil premium plus and children without a school place",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("persistent_absence_below", **number),
                Field.text("severe_absence_below", **number),
                Field.text("missing_education_alert_days", **number),
                legend="Attendance and missing education",
                legend_size=Size.MEDIUM,
            ),
        )


class WindowForm(StorableTextMixin, forms.Form):
    # The term's stable code: the name can be changed freely, the code keeps its dates.
    code = forms.ChoiceField(
        label="Which termly PEP",
        choices=[("", "Choose"), *TermCode.choices],
        required=False,
    )
    name = forms.CharField(label="Name", max_length=40, required=False)
    first_month = _month_field("From")
    last_month = _month_field("To")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's own <form> carries the CSRF token.
        self.helper.disable_csrf = True
        number = self.prefix.rsplit("-", 1)[-1] if self.prefix else "0"
        label = f"Review term {int(number) + 1}" if number.isdigit() else "Review term"
        self.helper.layout = Layout(
            Fieldset(
                Field.select("code"),
                Field.text("name", field_width=10),
                Field.select("first_month"),
                Field.select("last_month"),
                legend=label,
                legend_size=Size.SMALL,
            )
        )


# One review term per termly PEP code at most.
WindowFormSet = forms.formset_factory(
    WindowForm, extra=1, max_num=len(TermCode), absolute_max=len(TermCode)
)


class DeadlineCheckForm(PortalForm):
    required_messages = {"entered_care": "Enter the date the child became looked after"}

    entered_care = DateField(label="Date the child became looked after")
    emergency = forms.BooleanField(label="It was an emergency placement", required=False)
    school = SchoolUrnField(
        label="School URN",
        required=False,
        help_text="Leave blank if the child has no school place: your authority's term dates "
        "are used.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's own <form> carries the CSRF token (and a GET form must not).
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("entered_care"),
            Field.checkbox("emergency", small=True),
            Field.text("school", field_width=10),
            Button("check", "Work out the due date"),
        )
