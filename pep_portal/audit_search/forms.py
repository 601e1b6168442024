from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size
from django import forms

from pep_portal.audit.models import AuditAction
from pep_portal.forms import DateField, PortalForm


class AuditSearchForm(PortalForm):
    child = forms.CharField(
        label="Child", help_text="Name, UPN or portal reference", required=False, max_length=100
    )
    person = forms.CharField(
        label="Person", help_text="Name or email address", required=False, max_length=254
    )
    action = forms.ChoiceField(
        label="What happened",
        choices=[("", "Anything"), *AuditAction.choices],
        required=False,
    )
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("child", field_width=20, label_size=Size.SMALL),
            Field.text("person", field_width=20, label_size=Size.SMALL),
            Field.select("action"),
            Fieldset(Field("date_from"), Field("date_to"), legend="Dates", legend_size=Size.SMALL),
            Button("search", "Search"),
        )

    def clean(self) -> dict[str, object] | None:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data
