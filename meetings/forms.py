"""Forms for arranging and recording meetings; the rules live in services.py."""

import datetime as dt
import re
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fieldset, Layout, Size
from django import forms
from django.utils import timezone

from pep_portal.forms import DateField, PortalForm

from .models import AttendeeRole, MeetingKind, Outcome, Target, Venue
from .services import NewAction, NewTarget, Review

TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
# "Add another" rows: as many as are needed, up to a limit no meeting reaches.
MAX_ROWS = 30
PHONE = re.compile(r"^[0-9+() -]{6,40}$")
# Who can be invited by hand: people without an account (an agency foster carer, a parent)
# and other professionals. The care team's own members come from the care team.
HAND_INVITED_ROLES = [
    (AttendeeRole.CARER, AttendeeRole.CARER.label),
    (AttendeeRole.PARENT, AttendeeRole.PARENT.label),
    (AttendeeRole.OTHER, AttendeeRole.OTHER.label),
]


def row_count(data: Any, name: str) -> int:
    """How many "add another" rows the page had (a hidden field), within 1 and MAX_ROWS."""
    try:
        rows = int(str((data or {}).get(name, 1))[:3])
    except ValueError:
        rows = 1
    return max(1, min(MAX_ROWS, rows))


class RowsMixin(forms.Form):
    """Rows of boxes with an "Add another" button that works without JavaScript: the button
    posts the form, which comes back with one more row and nothing checked or lost."""

    rows_name = "rows"
    add_name = "add"

    def _set_up_rows(self) -> int:
        rows = row_count(self.data if self.is_bound else self.initial, self.rows_name)
        self.adding = self.is_bound and self.add_name in self.data
        if self.adding and rows < MAX_ROWS:
            rows += 1
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.rows_name] = str(rows)
        self.fields[self.rows_name] = forms.IntegerField(
            widget=forms.HiddenInput, initial=rows, required=False
        )
        self.rows = rows
        return rows


def shown_unchecked(form: forms.Form) -> forms.Form:
    """Show a bound form's answers without checking them (after "Add another", or coming back
    to a step): no errors until the person asks to continue."""
    form._errors = forms.utils.ErrorDict()
    form.cleaned_data = {}
    return form


class ArrangeForm(RowsMixin, PortalForm):
    required_messages = {"day": "Enter the date of the meeting", "time": "Enter the start time"}
    # The service's name for what the date and time boxes ask (pep_portal.forms).
    service_fields = {"starts_at": "day"}
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
        self.rows_name, self.add_name = "other_rows", "add_other"
        for n in range(1, self._set_up_rows() + 1):
            layout.append(self._other_fields(n))
        layout.append(HTML(buttons("Arrange meeting", add="add_other", what="person")))
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.render_hidden_fields = True  # how many "add another" rows the page has
        self.helper.layout = Layout(*layout)

    def _other_fields(self, n: int) -> Fieldset:
        """Someone else to invite: a person without an account (an agency foster carer, a
        parent) or another professional, with the contact details the PEP records."""
        p = f"other_{n}_"
        self.fields[p + "name"] = forms.CharField(label="Name", max_length=200, required=False)
        self.fields[p + "role"] = forms.ChoiceField(
            label="Role", choices=HAND_INVITED_ROLES, initial=AttendeeRole.OTHER, required=False
        )
        self.fields[p + "organisation"] = forms.CharField(
            label="Organisation (optional)",
            max_length=200,
            required=False,
            help_text="For example, the fostering agency or CAMHS",
        )
        self.fields[p + "email"] = forms.EmailField(label="Email (optional)", required=False)
        self.fields[p + "phone"] = forms.CharField(
            label="Phone (optional)", max_length=40, required=False
        )
        return Fieldset(
            Field.text(p + "name", field_width=20),
            Field.select(p + "role"),
            Field.text(p + "organisation", field_width=20),
            Field.text(p + "email", field_width=20),
            Field.text(p + "phone", field_width=10),
            legend=f"Someone else to invite ({n}, optional)",
            legend_size=Size.SMALL,
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        for n in range(1, self.rows + 1):
            phone = (data.get(f"other_{n}_phone") or "").strip()
            if phone and not PHONE.match(phone):
                self.add_error(f"other_{n}_phone", "Enter a phone number, like 01632 960 001")
            if not (data.get(f"other_{n}_name") or "").strip() and any(
                (data.get(f"other_{n}_{k}") or "").strip()
                for k in ("organisation", "email", "phone")
            ):
                self.add_error(f"other_{n}_name", f"Enter the name of person {n}")
        return data

    def clean_time(self) -> dt.time:
        match = TIME.match(self.cleaned_data["time"])
        if not match:
            raise forms.ValidationError("Enter a time in the 24-hour clock, like 09:30 or 14:30")
        return dt.time(int(match.group(1)), int(match.group(2)))

    def starts_at(self) -> dt.datetime:
        day, time = self.cleaned_data["day"], self.cleaned_data["time"]
        return timezone.make_aware(dt.datetime.combine(day, time))

    def others(self) -> list[tuple[str, str, str, str, str]]:
        """(name, role, organisation, email, phone) of each person added by hand."""
        rows = []
        for n in range(1, self.rows + 1):
            p = f"other_{n}_"
            name = (self.cleaned_data.get(p + "name") or "").strip()
            if name:
                rows.append(
                    (
                        name,
                        self.cleaned_data.get(p + "role") or AttendeeRole.OTHER,
                        (self.cleaned_data.get(p + "organisation") or "").strip(),
                        (self.cleaned_data.get(p + "email") or "").strip(),
                        (self.cleaned_data.get(p + "phone") or "").strip(),
                    )
                )
        return rows


def buttons(main: str, *, add: str, what: str) -> str:
    """The page's own button first, so that Enter in a box presses it (a browser presses a
    form's first button), then "Add another …", which posts the form for one more row."""
    return (
        '<div class="govuk-button-group">'
        f'<button type="submit" name="submit" value="{main}" class="govuk-button" '
        f'data-module="govuk-button">{main}</button>'
        f'<button type="submit" name="{add}" value="1" '
        'class="govuk-button govuk-button--secondary" data-module="govuk-button">'
        f"Add another {what}</button></div>"
    )


YES_NO = (("yes", "Yes"), ("no", "No"))


def _helper(*layout: Any, button: str | None = "Continue") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page template holds the <form>
    helper.render_hidden_fields = True  # how many "add another" rows the page has
    helper.layout = Layout(*layout, *([Button("submit", button)] if button else []))
    return helper


class AttendanceStep(PortalForm):
    """Step 1: when the meeting was held, and who came."""

    required_messages = {"held_on": "Enter the date the meeting was held"}
    held_on = DateField(label="Date the meeting was held")

    def __init__(self, *args: Any, attendees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees = attendees
        layout: list[Any] = [Field("held_on")]
        for person in attendees:
            role = person.get_role_display().lower()
            self.fields[f"came_{person.pk}"] = forms.ChoiceField(
                label=f"Did {person.name} ({role}) attend?",
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"reason_{person.pk}"] = forms.CharField(
                label=f"If not, why not{' (required)' if person.required else ' (optional)'}",
                max_length=300,
                required=False,
            )
            layout += [
                Field.radios(f"came_{person.pk}", legend_size=Size.SMALL, inline=True),
                Field.text(f"reason_{person.pk}", field_width=20),
            ]
        self.helper = _helper(*layout)

    def attendance(self) -> dict[int, tuple[bool | None, str]]:
        data = self.cleaned_data
        return {
            a.pk: (
                {"yes": True, "no": False}.get(data.get(f"came_{a.pk}") or ""),
                data.get(f"reason_{a.pk}") or "",
            )
            for a in self.attendees
        }


class DiscussionStep(PortalForm):
    """Step 2: what was discussed."""

    required_messages = {"discussion": "Enter what was discussed"}
    discussion = forms.CharField(
        label="What was discussed",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("discussion", rows=8))


class ReviewStep(PortalForm):
    """Step 3: the outcome of each target from earlier PEPs, with the evidence."""

    def __init__(self, *args: Any, to_review: list[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to_review = to_review
        layout: list[Any] = []
        for target in to_review:
            self.fields[f"outcome_{target.pk}"] = forms.ChoiceField(
                label=f"“{target.what}”, due {target.due_on:%-d %B %Y}",
                choices=Outcome.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"evidence_{target.pk}"] = forms.CharField(
                label="Evidence", max_length=2000, required=False, widget=forms.Textarea()
            )
            layout += [
                Field.radios(f"outcome_{target.pk}", legend_size=Size.SMALL, inline=True),
                Field.textarea(f"evidence_{target.pk}", rows=2),
            ]
        self.helper = _helper(*layout)

    def reviews(self) -> list[Review]:
        data = self.cleaned_data
        return [
            Review(t, data.get(f"outcome_{t.pk}") or "", data.get(f"evidence_{t.pk}") or "")
            for t in self.to_review
        ]


class TargetsStep(RowsMixin, PortalForm):
    """Step 4: the new SMART targets, as many as agreed ("Add another target")."""

    rows_name, add_name = "target_rows", "add_target"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layout = [self._target_fields(n) for n in range(1, self._set_up_rows() + 1)]
        add = HTML(buttons("Continue", add=self.add_name, what="target"))
        self.helper = _helper(*layout, add, button=None)

    def _target_fields(self, n: int) -> Fieldset:
        p = f"target_{n}_"
        self.fields[p + "what"] = forms.CharField(label="Target", max_length=1000, required=False)
        self.fields[p + "measure"] = forms.CharField(
            label="How it will be measured", max_length=1000, required=False
        )
        self.fields[p + "support"] = forms.CharField(
            label="Actions and support (optional)", max_length=2000, required=False
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
            legend=f"Target {n}",
            legend_size=Size.SMALL,
        )

    def targets(self) -> list[NewTarget]:
        """The rows with anything in them, renumbered: an empty row is left out."""
        data, rows = self.cleaned_data, []
        for n in range(1, self.rows + 1):
            p = f"target_{n}_"
            values = [
                data.get(p + k)
                for k in ("what", "measure", "support", "responsible", "due_on", "cost")
            ]
            if any(values) or data.get(p + "pp"):
                rows.append(
                    NewTarget(
                        data.get(p + "what") or "",
                        data.get(p + "measure") or "",
                        data.get(p + "support") or "",
                        data.get(p + "responsible") or "",
                        data.get(p + "due_on"),
                        data.get(p + "cost"),
                        bool(data.get(p + "pp")),
                    )
                )
        return rows

    def rows_used(self) -> list[int]:
        """The row number on the page of each target returned by targets()."""
        data = self.cleaned_data
        return [
            n
            for n in range(1, self.rows + 1)
            if any(
                data.get(f"target_{n}_{k}")
                for k in ("what", "measure", "support", "responsible", "due_on", "cost", "pp")
            )
        ]


class ActionsStep(RowsMixin, PortalForm):
    """Step 5: the actions agreed ("Add another action")."""

    rows_name, add_name = "action_rows", "add_action"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layout = [self._action_fields(n) for n in range(1, self._set_up_rows() + 1)]
        add = HTML(buttons("Continue", add=self.add_name, what="action"))
        self.helper = _helper(*layout, add, button=None)

    def _action_fields(self, n: int) -> Fieldset:
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
            legend=f"Action {n}",
            legend_size=Size.SMALL,
        )

    def actions(self) -> list[NewAction]:
        data, rows = self.cleaned_data, []
        for n in range(1, self.rows + 1):
            p = f"action_{n}_"
            if data.get(p + "what") or data.get(p + "owner") or data.get(p + "due_on"):
                rows.append(
                    NewAction(
                        data.get(p + "what") or "",
                        data.get(p + "owner") or "",
                        data.get(p + "due_on"),
                    )
                )
        return rows

    def rows_used(self) -> list[int]:
        data = self.cleaned_data
        return [
            n
            for n in range(1, self.rows + 1)
            if any(data.get(f"action_{n}_{k}") for k in ("what", "owner", "due_on"))
        ]


class NextMeetingStep(PortalForm):
    """Step 6: the date of the next PEP meeting (and, for an internal review, progress)."""

    required_messages = {"next_meeting_on": "Enter the date of the next PEP meeting"}
    next_meeting_on = DateField(
        label="Date of the next PEP meeting", help_text="It must be in the next term."
    )

    def __init__(self, *args: Any, internal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layout: list[Any] = [Field("next_meeting_on")]
        if internal:
            self.fields["expected_progress"] = forms.ChoiceField(
                label="Is the child making expected progress?",
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
            )
            layout.append(Field.radios("expected_progress", legend_size=Size.SMALL, inline=True))
        self.helper = _helper(*layout)

    def expected_progress(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("expected_progress") or "")
