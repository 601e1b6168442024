from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size
from django import forms

from pep_portal.forms import PortalForm, UnboundLayoutCache
from peps.models import Term

from .models import QaDecision, QaFramework


class RatingForm(PortalForm):
    """A rating per checklist criterion and, where the framework has no rule, overall."""

    def __init__(self, *args: Any, framework: QaFramework, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.framework = framework
        self.criteria = list(framework.criteria.filter(active=True))
        ratings = list(framework.ratings)
        self.rating_layout: list[Any] = []
        for criterion in self.criteria:
            name = f"criterion_{criterion.pk}"
            self.fields[name] = forms.ChoiceField(
                label=criterion.text, choices=ratings, widget=forms.RadioSelect, required=False
            )
            self.rating_layout.append(Field.radios(name, legend_size=Size.SMALL, inline=True))
        if framework.one_level_allowance is None:
            self.fields["overall"] = forms.ChoiceField(
                label="Overall rating", choices=ratings, widget=forms.RadioSelect, required=False
            )
            self.rating_layout.append(Field.radios("overall", legend_size=Size.MEDIUM))

    def criteria_ratings(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}") or "" for c in self.criteria}


class QaReviewForm(RatingForm):
    feedback_to_teacher = forms.CharField(
        label="Feedback to the designated teacher",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    feedback_to_social_worker = forms.CharField(
        label="Feedback to the social worker",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        required=False,
        choices=[
            (QaDecision.SIGNED_OFF, "Sign off the PEP"),
            (QaDecision.RETURNED, "Return it for changes"),
        ],
    )
    changes_needed = forms.CharField(
        label="If returning, the changes needed",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Its layout is made from its fields alone (the criteria's and the scale's), so the
        # blank form a reviewer opens is rendered once per framework, not once per PEP.
        self.helper = UnboundLayoutCache()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Fieldset(*self.rating_layout, legend="Checklist", legend_size=Size.MEDIUM),
            Field.textarea("feedback_to_teacher", rows=4),
            Field.textarea("feedback_to_social_worker", rows=4),
            Field.radios("decision", legend_size=Size.MEDIUM),
            Field.textarea("changes_needed", rows=4),
            Button("submit", "Save review"),
        )


class ModerationForm(RatingForm):
    notes = forms.CharField(
        label="Notes (optional)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.layout = Layout(
            Fieldset(*self.rating_layout, legend="Second review", legend_size=Size.MEDIUM),
            Field.textarea("notes", rows=3),
            Button("submit", "Save moderation"),
        )


class SampleForm(PortalForm):
    required_messages = {
        "academic_year": "Enter the school year",
        "term": "Select the term",
        "size": "Enter how many PEPs to sample",
    }
    academic_year = forms.IntegerField(
        label="School year starting in", min_value=2000, max_value=2100
    )
    term = forms.ChoiceField(choices=Term.choices, widget=forms.RadioSelect)
    size = forms.IntegerField(label="How many PEPs", min_value=1, max_value=100, initial=5)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template holds the <form>
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("academic_year", field_width=4),
            Field.radios("term", legend_size=Size.SMALL, inline=True),
            Field.text("size", field_width=3),
            Button("draw", "Draw a sample"),
        )
