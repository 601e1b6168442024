"""The one error summary (templates/gds/layout/error_summary.html, `error_links`): every link
names a box that exists on the page, so following it moves focus there: a date's day box, a
question's first radio button or checkbox; errors about the whole form are listed unlinked."""

import html as markup
import re

import pytest
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.template import Context, Template
from django.urls import reverse

from pep_portal.forms import DateField, PortalForm
from quality_assurance.services import framework_for
from tests.quality_assurance.test_qa import submitted  # noqa: F401  (a fixture)


class EveryKind(PortalForm):
    name = forms.CharField(label="Name")
    born = DateField(label="Date of birth")
    colour = forms.ChoiceField(
        label="Colour", choices=[("r", "Red"), ("b", "Blue")], widget=forms.RadioSelect
    )
    pets = forms.MultipleChoiceField(
        label="Pets", choices=[("c", "Cat"), ("d", "Dog")], widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="I agree")
    kind = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "kind",
            Field.text("name"),
            Field("born"),
            Field.radios("colour"),
            Field.checkboxes("pets"),
            Field.checkbox("agree"),
        )

    def clean(self):  # type: ignore[no-untyped-def]
        raise forms.ValidationError("Something about the whole form")


def rendered(form: forms.Form) -> str:
    return Template(
        "{% load crispy_forms_tags crispy_forms_gds %}{% error_summary form %}{% crispy form %}"
    ).render(Context({"form": form}))


def summary_items(html: str) -> list[str]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", summary, re.S)


def test_every_link_reaches_a_box_that_exists_and_whole_form_errors_are_unlinked():
    form = EveryKind({"born_0": "", "born_1": "", "born_2": ""})
    assert not form.is_valid()
    html = rendered(form)
    items = summary_items(html)
    # Written out by hand, in the page's order: the whole-form and hidden-field errors first.
    assert items == [
        "Something about the whole form",
        "This field is required.",
        '<a href="#id_name">This field is required.</a>',
        '<a href="#id_born_0">Enter the day, month and year</a>',
        '<a href="#id_colour_1">This field is required.</a>',
        '<a href="#id_pets_1">This field is required.</a>',
        '<a href="#id_agree">This field is required.</a>',
    ]
    ids = set(re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', html))
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids, f"{target} names no box on the page"


def test_a_date_is_a_group_of_numeric_boxes():
    html = rendered(EveryKind())
    fieldset = html.split("Date of birth", 1)[0].rsplit("<fieldset", 1)[1]
    assert 'role="group"' in fieldset
    for part in (0, 1, 2):
        box = re.search(rf'<input[^>]*id="id_born_{part}"[^>]*>', html)
        assert box and 'inputmode="numeric"' in box.group(0)


def test_no_summary_when_nothing_is_wrong():
    form = EveryKind()
    assert "govuk-error-summary" not in rendered(form)


@pytest.mark.django_db
def test_each_missing_qa_rating_links_to_its_own_radios(client, personas, submitted):  # noqa: F811
    framework = framework_for(submitted.child.authority)
    criteria = list(framework.criteria.filter(active=True).order_by("pk"))
    assert len(criteria) > 1
    client.force_login(personas.virtual_school_staff)
    html = markup.unescape(
        client.post(
            reverse("qa_review", args=[submitted.pk]),
            {
                "feedback_to_teacher": "Clear.",
                "feedback_to_social_worker": "Thorough.",
                "decision": "returned",
                "changes_needed": "More detail.",
            },
        ).content.decode()
    )
    assert "<title>Error: " in html
    links = re.findall(r'<a href="#([^"]+)">Rate “([^”]+)”</a>', html)
    assert links == [(f"id_criterion_{c.pk}_1", c.text) for c in criteria]
    for criterion in criteria:
        # The message beside the question itself, inside its own fieldset.
        group = html.split(f'id="div_id_criterion_{criterion.pk}"', 1)[1].split("</fieldset>")[0]
        assert f"Rate “{criterion.text}”" in group


@pytest.mark.django_db
def test_signing_off_is_checked_then_confirmed_and_can_be_changed(client, personas, submitted):  # noqa: F811
    from peps.models import Pep, PepStatus
    from quality_assurance.models import QaReview

    framework = framework_for(submitted.child.authority)
    criteria = list(framework.criteria.filter(active=True).order_by("pk"))
    answers = {f"criterion_{c.pk}": "good" for c in criteria}
    answers.update(
        overall="good",
        feedback_to_teacher="Clear <targets>.",
        feedback_to_social_worker="Thorough.",
        decision="signed_off",
    )
    client.force_login(personas.virtual_school_staff)
    url = reverse("qa_review", args=[submitted.pk])
    check = client.post(url, answers).content.decode()
    assert "<title>Check your review before signing off \u2013 Zara" in check  # an en dash
    assert "Clear &lt;targets&gt;." in check  # shown, escaped
    assert 'name="feedback_to_teacher" value="Clear &lt;targets&gt;."' in check
    assert not QaReview.objects.exists()
    assert Pep.objects.get(pk=submitted.pk).status == PepStatus.SUBMITTED
    # "Change the review": the form again, filled in, with no errors.
    again = client.post(url, {**answers, "change": "yes"}).content.decode()
    assert "govuk-error-summary" not in again and "Clear &lt;targets&gt;.</textarea>" in again
    assert not QaReview.objects.exists()
    # A refusal is found before the check page, never after it.
    refused = client.post(url, {**answers, "feedback_to_social_worker": ""}).content.decode()
    assert '<a href="#id_feedback_to_social_worker">' in refused
    done = client.post(url, {**answers, "confirm": "yes"})
    assert done["Location"] == reverse("qa_queue")
    assert Pep.objects.get(pk=submitted.pk).status == PepStatus.SIGNED_OFF
    assert QaReview.objects.get().feedback_to_teacher == "Clear <targets>."
