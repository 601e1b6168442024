"""Forms for Pupil Premium Plus: their shape only. The rules (cut-off, allocation, reasons,
"no PEP, no premium") live in services.py, whose refusals are shown on these forms."""

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from pep_portal.forms import PortalForm, StorableTextMixin

from .models import PpStatus
from .selectors import financial_year_label


class MoneyField(forms.DecimalField):
    """Pounds and pence as people type them: "£1,250.50" is 1250.50."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "").strip()
        return super().to_python(value)


def _money_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return MoneyField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=8,
        decimal_places=2,
        # GOV.UK asks for a text input for money: number inputs round, scroll and reject "£".
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter an amount in pounds and pence, like 250 or 250.50",
            "max_decimal_places": "Enter an amount in pounds and pence, like 250.50",
            "max_digits": "Enter an amount of £999,999.99 or less",
            "max_whole_digits": "Enter an amount of £999,999.99 or less",
        },
    )


def _textarea() -> forms.Textarea:
    # crispy-forms-gds appends the character count's id to aria-describedby: start it empty.
    return forms.Textarea(attrs={"rows": 4, "aria-describedby": ""})


class PpDecisionForm(PortalForm):
    required_messages = {
        "decision": "Choose whether to approve, part-approve or decline the request",
    }
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[
            (PpStatus.APPROVED, "Approve the full amount"),
            (PpStatus.PART_APPROVED, "Approve part of it"),
            (PpStatus.DECLINED, "Decline it"),
        ],
    )
    amount = _money_field(
        "Amount approved (£)",
        required=False,
        help_text="Only if you approve part of it: less than the amount requested.",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=5000,
        widget=_textarea(),
        help_text="Needed if you approve only part of it or decline it. The school sees this.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.MEDIUM),
            Field.text("amount", field_width=10, label_size=Size.SMALL),
            Field.textarea("reason", label_size=Size.SMALL, rows=4, max_characters=5000),
            Button("submit", "Save the decision"),
        )


class PpRequestFilterForm(StorableTextMixin, forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *PpStatus.choices]
    )
    year = forms.TypedChoiceField(
        label="Financial year", required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            ("", "Any"),
            *((str(y), financial_year_label(y)) for y in years),
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("status", label_size=Size.SMALL),
            Field.select("year", label_size=Size.SMALL),
            Button("filter", "Apply filters"),
        )


class PpYearForm(StorableTextMixin, forms.Form):
    """The financial year a totals page or an export is for."""

    year = forms.TypedChoiceField(label="Financial year", coerce=int, choices=())

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(str(y), financial_year_label(y)) for y in years]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("year", label_size=Size.SMALL),
            Button("show", "Show"),
        )


class PpAllocationForm(PortalForm):
    required_messages = {
        "financial_year": "Choose the financial year",
        "amount_per_child": "Enter the amount per child",
    }
    financial_year = forms.TypedChoiceField(
        label="Financial year", coerce=int, widget=forms.RadioSelect, choices=()
    )
    amount_per_child = _money_field(
        "Pupil Premium Plus per child (£)", help_text="For example, 2570"
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = [(str(y), financial_year_label(y)) for y in years]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("financial_year", legend_size=Size.SMALL, inline=True),
            Field.text("amount_per_child", field_width=10, label_size=Size.SMALL),
            Button("submit", "Save the allocation"),
        )


class PpSchoolFundForm(PortalForm):
    """One school's Pupil Premium Plus for the term. The amount is checked by the service
    (pp_school_fund_set), whose refusal shows on the form."""

    required_messages = {
        "school": "Choose the school",
        "amount": "Enter the school's amount for the term",
    }
    school = forms.TypedChoiceField(label="School", coerce=int, choices=())
    # Text, not MoneyField: the service owns the money rule (negative, too large, not a number).
    amount = forms.CharField(
        label="Amount for the term (£)",
        max_length=40,
        help_text="For example, 1500 or 1500.50",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, schools: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "Choose a school"), *schools]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("school", label_size=Size.SMALL),
            Field.text("amount", field_width=10, label_size=Size.SMALL),
            Button("submit", "Save the amount"),
        )

    def clean_amount(self) -> str:
        # "£1,250.50" as people type it; the service decides whether it is an amount.
        amount: str = self.cleaned_data["amount"]
        return amount.strip().removeprefix("£").replace(",", "").strip()
