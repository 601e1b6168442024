"""Form helpers shared by every app."""

import datetime as dt
from typing import Any

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.forms import Form


def show_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's refusal on the form, against the field it names where the form has
    that field, otherwise at the top (GOV.UK's error summary lists both)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PortalForm(forms.Form):
    """A form whose "required" errors say what to do, as the GOV.UK Design System asks,
    instead of Django's generic "This field is required"."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message


class DateField(DateInputField):
    """GOV.UK's day/month/year date input, with GOV.UK's own messages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages["required"] = "Enter the day, month and year"

    def compress(self, data_list: list[str]) -> dt.date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            value = dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError):
            raise ValidationError("Enter a real date, for example 27 3 2026") from None
        if not 1900 <= value.year <= 2100:
            raise ValidationError("Enter a year with 4 digits, for example 2026")
        return value
