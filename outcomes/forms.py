"""Forms for recording education outcomes. They collect what was typed; the services check it
(outcomes/attendance.py for sessions, peps.sections.check_answer for attainment values), so a
person and a file import are told the same thing."""

from decimal import Decimal
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size
from django import forms

from children.models import SenStatus
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.forms import DateField, PortalForm
from peps.sections import Kind

from .models import ExclusionKind, MisImportLayout
from .scales import SUBJECTS, ExclusionReason

NUMBER = {"inputmode": "numeric", "spellcheck": "false"}


def _whole(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=400, widget=forms.TextInput(attrs=NUMBER)
    )


class AttendanceForm(PortalForm):
    required_messages = {
        "possible": "Enter the sessions possible",
        "present": "Enter the sessions present",
        "authorised": "Enter the sessions of authorised absence",
        "unauthorised": "Enter the sessions of unauthorised absence",
    }

    possible = _whole("Sessions possible")
    present = _whole("Sessions present (including approved educational activity)")
    authorised = _whole("Authorised absence (sessions)")
    unauthorised = _whole("Unauthorised absence (sessions)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *(Field.text(name, field_width=4) for name in self.fields),
            Button("save", "Save attendance"),
        )


class PartTimeForm(PortalForm):
    """A part-time (reduced) timetable: the service checks the dates, hours and reason."""

    required_messages = {
        "started_on": "Enter the day the part-time timetable started",
        "review_on": "Enter the day it is to be reviewed",
        "reason": "Enter why the child is on a part-time timetable",
    }

    started_on = DateField(label="Start date")
    review_on = DateField(
        label="Review date", help_text="The day the school and virtual school will review it"
    )
    hours_per_week = forms.DecimalField(
        label="Hours a week in school (optional)",
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal(40),
        max_digits=3,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the hours a week as a number, like 12.5",
            "min_value": "Hours a week must be more than 0",
            "max_value": "Hours a week must be 40 or fewer",
            "max_digits": "Hours a week must be 40 or fewer, to one decimal place",
            "max_decimal_places": "Give the hours to one decimal place, like 12.5",
            "max_whole_digits": "Hours a week must be 40 or fewer",
        },
    )
    reason = forms.CharField(
        label="Why the child is on a part-time timetable",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The reason must be 500 characters or fewer"},
    )
    ended_on = DateField(
        label="End date (when the child returned to a full timetable)", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("started_on"),
            Field("review_on"),
            Field.text("hours_per_week", field_width=4),
            Field.textarea("reason", rows=4),
            Field("ended_on"),
            Button("save", "Save part-time timetable"),
        )


class MissingEducationForm(PortalForm):
    """A time without a school or setting: its first day and, once it has ended, its last."""

    required_messages = {"started_on": "Enter the first day without a school or setting"}

    started_on = DateField(label="First day without a school or setting")
    ended_on = DateField(
        label="Last day without a school or setting (leave empty while it goes on)",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field("started_on"), Field("ended_on"), Button("save", "Save"))


class ExclusionForm(PortalForm):
    required_messages = {
        "kind": "Select suspension or permanent exclusion",
        "started_on": "Enter the first day",
        "sessions_lost": "Enter the sessions lost",
        "reason": "Select the reason",
    }

    kind = forms.ChoiceField(
        label="Suspension or permanent exclusion", choices=ExclusionKind.choices
    )
    started_on = DateField(label="First day")
    sessions_lost = _whole("Sessions lost (half days)")
    reason = forms.ChoiceField(
        label="Reason (the DfE's code)",
        choices=[("", "Select the reason"), *ExclusionReason.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget = forms.RadioSelect(choices=ExclusionKind.choices)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.SMALL),
            Field("started_on"),
            Field.text("sessions_lost", field_width=4),
            Field.select("reason"),
            Button("save", "Record"),
        )


class AttainmentForm(PortalForm):
    """Every question of every subject of a key stage; fields are `<subject>__<question>`."""

    def __init__(self, *args: Any, key_stage: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subjects = SUBJECTS[key_stage]
        fieldsets = []
        for subject in self.subjects:
            names = []
            for spec in subject.fields:
                name = f"{subject.key}__{spec.name}"
                names.append(name)
                if spec.kind in (Kind.CHOICE, Kind.YES_NO):
                    choices = (
                        (("yes", "Yes"), ("no", "No")) if spec.kind == Kind.YES_NO else spec.choices
                    )
                    # Offered as a list, checked by the service (peps.sections.check_answer).
                    self.fields[name] = forms.CharField(
                        label=spec.label,
                        required=False,
                        widget=forms.Select(choices=[("", "Not recorded"), *choices]),
                    )
                else:
                    attrs = NUMBER if spec.kind == Kind.NUMBER else {}
                    self.fields[name] = forms.CharField(
                        label=spec.label,
                        required=False,
                        max_length=200,
                        widget=forms.TextInput(attrs=attrs),
                    )
            fieldsets.append(
                Fieldset(
                    *(
                        Field.select(n)
                        if isinstance(self.fields[n].widget, forms.Select)
                        else Field.text(n, field_width=10)
                        for n in names
                    ),
                    legend=subject.label,
                    legend_size=Size.SMALL,
                )
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(*fieldsets, Button("save", "Save attainment"))

    def values_by_subject(self) -> dict[str, dict[str, str]]:
        values: dict[str, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            subject, field = name.split("__", 1)
            if value not in (None, ""):
                values.setdefault(subject, {})[field] = value
        return values


class MisUploadForm(PortalForm):
    required_messages = {"layout": "Select what the file holds", "file": "Choose a CSV file"}

    layout = forms.ChoiceField(label="What the file holds", choices=MisImportLayout.choices)
    school = forms.IntegerField(
        label="School URN (leave blank for a file covering the whole authority)",
        required=False,
        min_value=100000,
        max_value=999999,
        widget=forms.TextInput(attrs=NUMBER),
    )
    file = forms.FileField(label="CSV file exported from the school's MIS")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layout"].widget = forms.RadioSelect(choices=MisImportLayout.choices)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("layout", legend_size=Size.SMALL),
            Field.text("school", field_width=10),
            Field("file"),
            Button("preview", "Check the file"),
        )


class DashboardFilterForm(forms.Form):
    """The dashboard's filters (a GET form: nothing is stored)."""

    year = forms.IntegerField(
        label="School year starting", required=False, min_value=2000, max_value=2100
    )
    year_group = forms.TypedChoiceField(
        label="Year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All"), ("-1", "Nursery"), ("0", "Reception")]
        + [(str(n), f"Year {n}") for n in range(1, 14)],
    )
    school = forms.IntegerField(
        label="School URN", required=False, min_value=100000, max_value=999999
    )
    area = forms.ChoiceField(
        label="School in or out of area",
        required=False,
        choices=[("", "Both"), ("in", "In area"), ("out", "Out of area")],
    )
    sen = forms.ChoiceField(
        label="Special educational needs",
        required=False,
        choices=[("", "All"), *SenStatus.choices],
    )
    adviser = forms.ModelChoiceField(
        label="Virtual school adviser", required=False, queryset=User.objects.none()
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adviser"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            authority_id=user.authority_id, role=Role.VIRTUAL_SCHOOL_STAFF
        ).order_by("full_name")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("year", field_width=4),
            Field.select("year_group"),
            Field.text("school", field_width=10),
            Field.select("area"),
            Field.select("sen"),
            Field.select("adviser"),
            Button("filter", "Show"),
        )
