from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.core.exceptions import ValidationError

from pep_portal.forms import DateField, PortalForm

from .ssda903 import MAX_FILE_BYTES


class RollUploadForm(PortalForm):
    required_messages = {
        "first_file": "Choose the header file (header.csv) or the XML file",
        "as_of": "Enter the date the extract describes",
    }

    first_file = forms.FileField(
        label="Header file (header.csv) or XML file",
        help_text="The SSDA903 extract from your case management system.",
    )
    second_file = forms.FileField(
        label="Episodes file (episodes.csv)", required=False, help_text="Not needed with XML."
    )
    as_of = DateField(
        label="Date the extract describes",
        help_text="Usually the day it was exported. For example, 31 3 2018.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("first_file"), Field("second_file"), Field("as_of"), Button("submit", "Preview")
        )

    def _checked(self, name: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload is None:
            return None
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(f"The file must be smaller than {MAX_FILE_BYTES // 2**20} MB")
        if not upload.name.lower().endswith((".csv", ".xml")):
            raise ValidationError("The file must be a CSV (.csv) or XML (.xml) file")
        return upload

    def clean_first_file(self) -> Any:
        return self._checked("first_file")

    def clean_second_file(self) -> Any:
        return self._checked("second_file")

    def files_read(self) -> list[tuple[str, bytes]]:
        files = []
        for name in ("first_file", "second_file"):
            upload = self.cleaned_data.get(name)
            if upload is not None:
                files.append((upload.name[-100:], upload.read()))
        return files
