"""A form for each section, built from its definition in sections.py.

Saving checks each answer given (length, range, a real date) with sections.check_answers, the
same check and the same words as the services; people can save part of a section and come
back, and "mark complete" is where required answers are enforced.
"""

import datetime as dt
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Layout, Size
from django import forms
from django.utils.html import format_html

from children.school_year import PepTemplate
from pep_portal.forms import PortalForm, numeric_date_boxes

from .models import Term
from .sections import (
    TEXTAREA_MAX,
    FieldSpec,
    Kind,
    SectionSpec,
    check_answers,
    choices_of,
    not_a_choice_message,
)


class SectionDateField(DateInputField):
    """The day, month and year boxes, joined as typed: whether they make a real date is
    checked, with its message, by sections.check_answer, as for the service."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for part in self.fields:
            part.required, part.validators = False, []
        numeric_date_boxes(self)

    def compress(self, data_list: list[str]) -> str | None:
        day, month, year = (str(part or "").strip() for part in data_list)
        if not (day or month or year):
            return None
        return f"{year}-{month.zfill(2)}-{day.zfill(2)}"


def _form_field(spec: FieldSpec) -> forms.Field:
    """The widget for a question. The fields check nothing themselves (every answer is
    optional until the section is marked complete): SectionForm.clean asks sections.py."""
    common: dict[str, Any] = {"label": spec.label, "required": False, "help_text": spec.help}
    if spec.kind == Kind.TEXT:
        return forms.CharField(**common)
    if spec.kind == Kind.TEXTAREA:
        # crispy-forms-gds 2.0.1 appends the character count's id to aria-describedby and
        # fails when the attribute does not exist yet (no help text): start it empty.
        widget = forms.Textarea(attrs={"rows": 4, "aria-describedby": ""})
        return forms.CharField(widget=widget, **common)
    if spec.kind in (Kind.CHOICE, Kind.YES_NO):
        return forms.ChoiceField(
            choices=choices_of(spec),
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": not_a_choice_message(spec)},
            **common,
        )
    if spec.kind == Kind.NUMBER:
        number = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
        return forms.CharField(widget=number, **common)
    return SectionDateField(require_all_fields=False, **common)


def _layout_field(spec: FieldSpec) -> Field:
    if spec.kind == Kind.TEXTAREA:
        return Field.textarea(spec.name, label_size=Size.SMALL, rows=5, max_characters=TEXTAREA_MAX)
    if spec.kind == Kind.YES_NO:
        return Field.radios(spec.name, legend_size=Size.SMALL, inline=True)
    if spec.kind == Kind.CHOICE:
        return Field.radios(spec.name, legend_size=Size.SMALL, small=len(spec.choices) > 3)
    if spec.kind == Kind.NUMBER:
        return Field.text(spec.name, label_size=Size.SMALL, field_width=5)
    if spec.kind == Kind.DATE:
        return Field(spec.name)
    return Field.text(spec.name, label_size=Size.SMALL, field_width=20)


def to_initial(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == Kind.DATE and value:
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    return value


def parse_version(text: Any) -> int | None:
    """A version number sent back by the page, or None if it is missing or not one (the page
    only ever sends what it was given, so anything else has been tampered with)."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    return int(text)


class SectionForm(PortalForm):
    # The version the answers started from, for optimistic locking. Not validated as a field:
    # a missing or tampered version is an edit conflict (the page shows both versions), never
    # an error message about a field nobody can see.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        spec: SectionSpec,
        template: PepTemplate,
        carried: list[str] = (),  # type: ignore[assignment]
        initial_pep: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec, self.template, self.initial_pep = spec, template, initial_pep
        # RECORDS questions are answered by their records, edited beside the form.
        self.field_specs = typed_fields(spec, template, initial=initial_pep)
        self._answers: dict[str, Any] = {}
        layout: list[Any] = []
        for field_spec in self.field_specs:
            self.fields[field_spec.name] = _form_field(field_spec)
            if field_spec.name in carried:
                layout.append(
                    HTML(
                        '<strong class="govuk-tag govuk-tag--yellow app-carried">'
                        "Carried forward from the last PEP: confirm or change</strong>"
                    )
                )
            layout.append(_layout_field(field_spec))
        self.fields_layout = layout
        buttons = [Button("save", "Save"), Button.secondary("save_draft", "Save draft")]
        if carried:
            buttons.append(Button.secondary("confirm_carried", "Save and confirm carried answers"))
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(*layout, "version", *buttons)

    def offer_conflict_choices(self, seen_version: int) -> None:
        """After an edit conflict: instead of "Save", the two ways out. "Save my version" saves
        on top of `seen_version`, the version the page shows beside the user's answers."""
        self.helper.layout = Layout(
            *self.fields_layout,
            "version",
            HTML(format_html('<input type="hidden" name="seen_version" value="{}">', seen_version)),
            HTML(
                '<p class="govuk-body" id="conflict-choices">“Save my version” puts your answers '
                "in place of theirs. “Use their version” deletes your draft.</p>"
            ),
            Button("save_mine", "Save my version"),
            Button.secondary("use_theirs", "Use their version"),
            Button.secondary("save_draft", "Save draft"),
        )

    def base_version(self) -> int | None:
        """The version the user's answers started from; None if the page sent no real one."""
        return parse_version(self.data.get("version"))

    def seen_version(self) -> int | None:
        """The version shown beside the user's answers on the conflict page."""
        return parse_version(self.data.get("seen_version"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = {f.name: data.get(f.name) for f in self.field_specs if f.name not in self.errors}
        self._answers, errors = check_answers(
            self.spec, self.template, typed, initial=self.initial_pep
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return data

    def answers(self) -> dict[str, Any]:
        """The answers as sections.check_answers stores them (after is_valid())."""
        return {f.name: self._answers.get(f.name, "") for f in self.field_specs}

    def raw_answers(self) -> dict[str, Any]:
        """What was typed, unvalidated, for a draft: nothing typed is ever thrown away."""
        raw: dict[str, Any] = {}
        for f in self.field_specs:
            if f.kind == Kind.DATE:
                parts = [self.data.get(f"{f.name}_{i}", "") for i in range(3)]
                raw[f.name] = "-".join(parts) if any(parts) else ""
            else:
                raw[f.name] = self.data.get(f.name, "")
        return raw


def typed_fields(
    spec: SectionSpec, template: PepTemplate, *, initial: bool = False
) -> tuple[FieldSpec, ...]:
    """The questions answered by typing (not the RECORDS ones)."""
    return tuple(f for f in spec.fields_for(template, initial=initial) if f.kind != Kind.RECORDS)


def initial_for(spec: SectionSpec, template: PepTemplate, answers: dict[str, Any]) -> dict:
    return {f.name: to_initial(f, answers.get(f.name)) for f in typed_fields(spec, template)}


class PepSetUpForm(PortalForm):
    required_messages = {"term": "Select the term", "academic_year": "Enter the school year"}
    term = forms.ChoiceField(choices=Term.choices, widget=forms.RadioSelect)
    academic_year = forms.IntegerField(
        label="School year starting in",
        min_value=2000,
        max_value=2100,
        help_text="For example, 2026 for the 2026 to 2027 school year.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field.radios("term", legend_size=Size.SMALL),
            Field.text("academic_year", field_width=4),
            Button("submit", "Set up PEP"),
        )


class AttachmentForm(PortalForm):
    required_messages = {"file": "Select a file"}
    file = forms.FileField(
        label="Upload a file",
        help_text="PDF, Word (DOCX), Excel (XLSX), JPEG or PNG, up to 10MB. "
        "Remove any password first.",
    )
    description = forms.CharField(
        label="What is it? (optional)",
        max_length=200,
        required=False,
        help_text="For example, EHCP or school report.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Field("file"), Field.text("description", field_width=20), Button("submit", "Upload")
        )
