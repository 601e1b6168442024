"""Form helpers shared by every app."""

import datetime as dt
import threading
from typing import Any

from crispy_forms.utils import TEMPLATE_PACK
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.forms import Form
from django.utils.formats import date_format

from pep_portal.text import form_data_without_nul
from pep_portal.ui import first_input_id, in_page_order


def show_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's refusal on the form, against the field it names where the form has
    that field (or the one the form's `service_fields` says asks it: a meeting's `starts_at`
    is the form's date), otherwise at the top (GOV.UK's error summary lists both)."""
    if hasattr(error, "error_dict"):
        aliases: dict[str, str] = getattr(form, "service_fields", {})
        for field, errors in error.error_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


NUL_REMOVED = (
    "We removed a hidden character that cannot be saved from “{label}”: check it and try again"
)


class StorableTextMixin(forms.BaseForm):
    """For every form in the portal: a NUL character, which PostgreSQL cannot store, is taken
    out of what was typed (the middleware has usually done so already) and the answer it was
    in gets an error, so the person sees their text again, without it, and checks it before
    anything is saved. Put it before the Django form class in the bases."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nul_removed_from: frozenset[str] = frozenset()
        self._nul_reported = False
        if self.is_bound:
            self.data, self.nul_removed_from = form_data_without_nul(self.data)

    def full_clean(self) -> None:
        self._nul_reported = False
        super().full_clean()
        if hasattr(self, "cleaned_data"):
            self._report_removed_nul()

    def clean(self) -> dict[str, Any] | None:
        # Before the form's own checks (signing in, for one), which must not run on answers
        # that are about to be refused; full_clean() reports them if a clean() skips this.
        self._report_removed_nul()
        return super().clean()

    def _report_removed_nul(self) -> None:
        if self._nul_reported or not self.nul_removed_from:
            return
        self._nul_reported = True
        for name, field in list(self.fields.items()):
            # A hidden field's value came from the page, not the person: nothing to check.
            if not field.widget.is_hidden and any(
                _names(key, self.add_prefix(name)) for key in self.nul_removed_from
            ):
                label = field.label or name.replace("_", " ").capitalize()
                self.add_error(name, NUL_REMOVED.format(label=label))


def _names(key: str, html_name: str) -> bool:
    """Whether a submitted `key` is the field `html_name`, or one of its parts (a date's
    day, month and year are `<name>_0`, `<name>_1` and `<name>_2`)."""
    return key == html_name or (
        key.startswith(f"{html_name}_") and key[len(html_name) + 1 :].isdigit()
    )


class PortalForm(StorableTextMixin, forms.Form):
    """A form whose "required" errors say what to do, as the GOV.UK Design System asks,
    instead of Django's generic "This field is required", and which never passes on text
    PostgreSQL cannot store (StorableTextMixin)."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message


def numeric_date_boxes(field: DateInputField) -> None:
    """Phones show the number pad for a date's day, month and year (GOV.UK's date input);
    the boxes stay text inputs, so a leading zero or a typo is shown back as typed."""
    for box in field.widget.widgets:  # type: ignore[attr-defined]
        box.attrs["inputmode"] = "numeric"


class DateField(DateInputField):
    """GOV.UK's day/month/year date input, with GOV.UK's own messages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages["required"] = "Enter the day, month and year"
        numeric_date_boxes(self)

    def compress(self, data_list: list[str]) -> dt.date | None:
        day, month, year = (str(part or "").strip() for part in data_list)
        if not (day and month and year):
            return None
        # Lengths first: a 20-digit part is no date, and too big for a date's arithmetic.
        if len(year) != 4:
            raise ValidationError("Enter a year with 4 digits, for example 2026")
        try:
            if len(day) > 2 or len(month) > 2:
                raise ValueError("not a day or a month")
            value = dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError, OverflowError):
            raise ValidationError("Enter a real date, for example 27 3 2026") from None
        if not 1900 <= value.year <= 2100:
            raise ValidationError("Enter a year with 4 digits, for example 2026")
        return value


NOT_GIVEN = "Not given"


def shown_answers(form: Form) -> list[tuple[str, str, str]]:
    """(question, answer as the person would say it, id of the box to change it) for each
    answer of a valid form, in the form's order: GOV.UK's "check your answers" rows."""
    rows = []
    for bound in in_page_order(form):
        field, value = bound.field, form.cleaned_data.get(bound.name)
        if isinstance(field, forms.ModelMultipleChoiceField):
            shown = ", ".join(str(v) for v in value or ()) or NOT_GIVEN
        elif isinstance(field, forms.ModelChoiceField):
            shown = str(value) if value is not None else NOT_GIVEN
        elif isinstance(field, forms.ChoiceField):
            raw = bound.value()
            labels = {str(k): str(v) for k, v in field.choices}  # type: ignore[misc,union-attr]
            shown = labels.get(str(raw), "") if raw not in (None, "") else ""
            shown = shown or NOT_GIVEN
        elif isinstance(value, dt.date):
            shown = date_format(value, "j F Y")
        elif isinstance(value, bool):
            shown = "Yes" if value else "No"
        else:
            shown = str(value) if value not in (None, "") else NOT_GIVEN
        rows.append((str(bound.label), shown, first_input_id(bound)))
    return rows


class UnboundLayoutCache(FormHelper):
    """A crispy helper that keeps the HTML of its form's layout while the form is unbound, keyed
    by everything the fields render (name, label, help, choices, initial value, widget and its
    attributes): the QA review form's 10 KB of radios took ~11 ms of the page's ~28 ms CPU to
    render, the same for every PEP of an authority. Only for a form whose layout is made from
    its fields alone (the form decides nothing else, such as a legend from the data); a bound
    form (posted, with errors or values to show) is rendered every time."""

    def render_layout(self, form: Any, context: Any, template_pack: Any = TEMPLATE_PACK) -> Any:
        if form.is_bound:
            return super().render_layout(form, context, template_pack=template_pack)
        key = (type(form), form.prefix, form.auto_id, _fields_key(form))
        html = _UNBOUND_LAYOUTS.get(key)
        if html is None:
            html = super().render_layout(form, context, template_pack=template_pack)
            with _UNBOUND_LAYOUTS_LOCK:
                if len(_UNBOUND_LAYOUTS) >= UNBOUND_LAYOUTS_KEPT:
                    _UNBOUND_LAYOUTS.pop(next(iter(_UNBOUND_LAYOUTS)))
                _UNBOUND_LAYOUTS[key] = html
        else:
            # As crispy's own rendering leaves the form (GDS turns off the attribute too).
            form.use_required_attribute = False
            form.rendered_fields = set(form.fields)
        return html


UNBOUND_LAYOUTS_KEPT = 256
_UNBOUND_LAYOUTS: dict[tuple[Any, ...], Any] = {}
_UNBOUND_LAYOUTS_LOCK = threading.Lock()


def _fields_key(form: Form) -> tuple[Any, ...]:
    def choices(field: Any) -> tuple[Any, ...]:
        return tuple((value, str(label)) for value, label in getattr(field, "choices", ()))

    return tuple(
        (
            name,
            str(field.label),
            str(field.help_text),
            field.required,
            field.disabled,
            repr(form.get_initial_for_field(field, name)),
            type(field),
            type(field.widget),
            repr(sorted(field.widget.attrs.items())),
            choices(field),
        )
        for name, field in form.fields.items()
    )
