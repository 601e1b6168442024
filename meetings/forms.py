"""Forms for arranging and recording meetings; the rules live in services.py."""

import datetime as dt
import re
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fieldset, Layout, Size
from django import forms
from django.utils import timezone

from pep_portal.forms import DateField, PortalForm

from .models import MeetingKind, Outcome, Target, Venue
from .services import NewAction, NewTarget, Review

TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
TARGET_ROWS = 3
ACTION_ROWS = 3
OTHER_ROWS = 2


class ArrangeForm(PortalForm):
    required_messages = {"day": "Enter the date of the meeting", "time": "Enter the start time"}
    day = DateField(label="Date")
    time = forms.CharField(label="Start time", max_length=5, help_text="For example, 14:30")
    kind = forms.ChoiceField(
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        initial=MeetingKind.FORMAL,
        label="Type of meeting",
    )
    venue = forms.ChoiceField(
        choices=Venue.choices, widget=forms.RadioSelect, initial=Venue.SCHOOL, label="Where"
    )
    venue_details = forms.CharField(
        label="Room or address (optional)", max_length=300, required=False
    )
    online_link = forms.URLField(
        label="Link to join, if online",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="Shown only here in the portal, never in e-mails.",
    )
    invite_child = forms.BooleanField(label="Invite the child or young person", required=False)

    def __init__(self, *args: Any, allow_internal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_internal:
            self.fields["kind"].choices = [(MeetingKind.FORMAL, MeetingKind.FORMAL.label)]
        layout: list[Any] = [
            Field("day"),
            Field.text("time", field_width=5),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.radios("venue", legend_size=Size.SMALL, inline=True),
            Field.text("venue_details", field_width=20),
            Field.text("online_link"),
            Field.checkbox("invite_child", small=True),
        ]
        for n in range(1, OTHER_ROWS + 1):
            self.fields[f"other_{n}_name"] = forms.CharField(
                label="Name", max_length=200, required=False
            )
            self.fields[f"other_{n}_role"] = forms.CharField(
                label="Role and organisation", max_length=200, required=False
            )
            self.fields[f"other_{n}_email"] = forms.EmailField(
                label="Email (optional)", required=False
            )
            layout.append(
                Fieldset(
                    Field.text(f"other_{n}_name", field_width=20),
                    Field.text(f"other_{n}_role", field_width=20),
                    Field.text(f"other_{n}_email", field_width=20),
                    legend=f"Another professional to invite ({n}, optional)",
                    legend_size=Size.SMALL,
                )
            )
        layout.append(Button("submit", "Arrange meeting"))
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(*layout)

    def clean_time(self) -> dt.time:
        match = TIME.match(self.cleaned_data["time"])
        if not match:
            raise forms.ValidationError("Enter a time in the 24-hour clock, like 09:30 or 14:30")
        return dt.time(int(match.group(1)), int(match.group(2)))

    def starts_at(self) -> dt.datetime:
        day, time = self.cleaned_data["day"], self.cleaned_data["time"]
        return timezone.make_aware(dt.datetime.combine(day, time))

    def others(self) -> list[tuple[str, str, str]]:
        rows = []
        for n in range(1, OTHER_ROWS + 1):
            name = self.cleaned_data.get(f"other_{n}_name", "").strip()
            if name:
                rows.append(
                    (
                        name,
                        self.cleaned_data[f"other_{n}_role"].strip(),
                        self.cleaned_data[f"other_{n}_email"].strip(),
                    )
                )
        return rows


YES_NO = (("yes", "Yes"), ("no", "No"))


class RecordForm(PortalForm):
    """The meeting record: attendance, discussion, the review of last term's targets, new
    SMART targets, actions and the next meeting."""

    required_messages = {
        "held_on": "Enter the date the meeting was held",
        "discussion": "Enter what was discussed",
    }
    held_on = DateField(label="Date the meeting was held")
    discussion = forms.CharField(
        label="What was discussed",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "aria-describedby": ""}),
    )
    next_meeting_on = DateField(
        label="Date of the next PEP meeting",
        required=False,
        require_all_fields=False,
        help_text="It must be in the next term.",
    )

    def __init__(
        self,
        *args: Any,
        attendees: list[Any],
        to_review: list[Target],
        internal: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.attendees, self.to_review, self.internal = attendees, to_review, internal
        layout: list[Any] = [
            Field("held_on"),
            self._attendance_fields(),
            Field.textarea("discussion", rows=6),
        ]
        if to_review:
            layout.append(self._review_fields())
        layout += [self._target_fields(n) for n in range(1, TARGET_ROWS + 1)]
        layout += [self._action_fields(n) for n in range(1, ACTION_ROWS + 1)]
        layout.append(Field("next_meeting_on"))
        if internal:
            layout.append(self._expected_progress_field())
        layout.append(
            HTML(
                '<p class="govuk-body">Recording the meeting moves the PEP to '
                "“Meeting held”: the social worker then has the rule set's days "
                "to submit it.</p>"
            )
        )
        layout.append(Button("submit", "Record meeting"))
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(*layout)

    def _attendance_fields(self) -> Fieldset:
        """Did each invitee come, and if not, why not."""
        attendance: list[Any] = []
        for person in self.attendees:
            self.fields[f"came_{person.pk}"] = forms.ChoiceField(
                label=f"Did {person.name} ({person.get_role_display().lower()}) attend?",
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"reason_{person.pk}"] = forms.CharField(
                label=f"If not, why not{' (required)' if person.required else ''}",
                max_length=300,
                required=False,
            )
            attendance += [
                Field.radios(f"came_{person.pk}", legend_size=Size.SMALL, inline=True),
                Field.text(f"reason_{person.pk}", field_width=20),
            ]
        return Fieldset(*attendance, legend="Who attended", legend_size=Size.MEDIUM)

    def _review_fields(self) -> Fieldset:
        """The outcome of each earlier target, with the evidence."""
        reviews: list[Any] = []
        for target in self.to_review:
            self.fields[f"outcome_{target.pk}"] = forms.ChoiceField(
                label=f"“{target.what}”, due {target.due_on:%-d %B %Y}",
                choices=Outcome.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"evidence_{target.pk}"] = forms.CharField(
                label="Evidence",
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "aria-describedby": ""}),
            )
            reviews += [
                Field.radios(f"outcome_{target.pk}", legend_size=Size.SMALL, inline=True),
                Field.textarea(f"evidence_{target.pk}", rows=2),
            ]
        legend = "Review of the last PEP's targets"
        return Fieldset(*reviews, legend=legend, legend_size=Size.MEDIUM)

    def _target_fields(self, n: int) -> Fieldset:
        """The boxes of new SMART target `n`."""
        p = f"target_{n}_"
        self.fields[p + "what"] = forms.CharField(label="Target", max_length=1000, required=False)
        self.fields[p + "measure"] = forms.CharField(
            label="How it will be measured", max_length=1000, required=False
        )
        self.fields[p + "support"] = forms.CharField(
            label="Actions and support", max_length=2000, required=False
        )
        self.fields[p + "responsible"] = forms.CharField(
            label="Who is responsible", max_length=200, required=False
        )
        self.fields[p + "due_on"] = DateField(
            label="By when", required=False, require_all_fields=False
        )
        self.fields[p + "cost"] = forms.DecimalField(
            label="Cost (£, optional)",
            min_value=0,
            max_value=100000,
            decimal_places=2,
            required=False,
        )
        self.fields[p + "pp"] = forms.BooleanField(
            label="Funded by Pupil Premium Plus", required=False
        )
        return Fieldset(
            Field.text(p + "what"),
            Field.text(p + "measure"),
            Field.text(p + "support"),
            Field.text(p + "responsible", field_width=20),
            Field(p + "due_on"),
            Field.text(p + "cost", field_width=5),
            Field.checkbox(p + "pp", small=True),
            legend=f"New SMART target {n}{' (optional)' if n > 1 else ''}",
            legend_size=Size.SMALL,
        )

    def _action_fields(self, n: int) -> Fieldset:
        """The boxes of action `n`."""
        p = f"action_{n}_"
        self.fields[p + "what"] = forms.CharField(label="Action", max_length=1000, required=False)
        self.fields[p + "owner"] = forms.CharField(label="Who", max_length=200, required=False)
        self.fields[p + "due_on"] = DateField(
            label="By when", required=False, require_all_fields=False
        )
        return Fieldset(
            Field.text(p + "what"),
            Field.text(p + "owner", field_width=20),
            Field(p + "due_on"),
            legend=f"Action {n} (optional)",
            legend_size=Size.SMALL,
        )

    def _expected_progress_field(self) -> Field:
        self.fields["expected_progress"] = forms.ChoiceField(
            label="Is the child making expected progress?",
            choices=YES_NO,
            widget=forms.RadioSelect,
            required=False,
        )
        return Field.radios("expected_progress", legend_size=Size.SMALL, inline=True)

    def attendance(self) -> dict[int, tuple[bool | None, str]]:
        data = self.cleaned_data
        return {
            a.pk: (
                {"yes": True, "no": False}.get(data.get(f"came_{a.pk}") or ""),
                data.get(f"reason_{a.pk}", ""),
            )
            for a in self.attendees
        }

    def reviews(self) -> list[Review]:
        data = self.cleaned_data
        return [
            Review(t, data.get(f"outcome_{t.pk}") or "", data.get(f"evidence_{t.pk}") or "")
            for t in self.to_review
        ]

    def targets(self) -> list[NewTarget]:
        data, rows = self.cleaned_data, []
        for n in range(1, TARGET_ROWS + 1):
            p = f"target_{n}_"
            values = [
                data.get(p + k)
                for k in ("what", "measure", "support", "responsible", "due_on", "cost")
            ]
            if any(values) or data.get(p + "pp"):
                rows.append(
                    NewTarget(
                        data[p + "what"],
                        data[p + "measure"],
                        data[p + "support"],
                        data[p + "responsible"],
                        data[p + "due_on"],
                        data[p + "cost"],
                        bool(data.get(p + "pp")),
                    )
                )
        return rows

    def actions(self) -> list[NewAction]:
        data, rows = self.cleaned_data, []
        for n in range(1, ACTION_ROWS + 1):
            p = f"action_{n}_"
            if data.get(p + "what") or data.get(p + "owner") or data.get(p + "due_on"):
                rows.append(NewAction(data[p + "what"], data[p + "owner"], data[p + "due_on"]))
        return rows

    def expected_progress(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("expected_progress") or "")
