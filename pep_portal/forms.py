"""Form helpers shared by every app."""

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
