"""One status tag for every page: the colour of each status, written out by hand."""

from pathlib import Path

import pytest
from django.template import Context, Template

TAG = Template("{% load portal %}{% status_tag status label %}")


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        ("signed_off", "green"),
        ("returned", "red"),
        ("submitted", "purple"),
        ("draft", "blue"),
        ("in_progress", "blue"),
        ("approved", "green"),
        ("part_approved", "yellow"),
        ("declined", "red"),
        ("requested", "blue"),
    ],
)
def test_each_status_has_its_govuk_tag_colour(status, colour):
    html = TAG.render(Context({"status": status, "label": "Shown"}))
    assert html == f'<strong class="govuk-tag govuk-tag--{colour}">Shown</strong>'


def test_the_label_is_escaped():
    html = TAG.render(Context({"status": "draft", "label": "<b>x</b>"}))
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_no_template_spells_out_a_status_colour_by_hand():
    # The mapping lives in pep_portal/ui.py; a template comparing statuses to pick a tag colour
    # is a second copy that will drift.
    templates = Path(__file__).resolve().parents[2] / "templates"
    copies = [
        path.relative_to(templates).as_posix()
        for path in templates.rglob("*.html")
        if "status == 'approved' %} govuk-tag" in path.read_text()
        or "status == 'signed_off' %} govuk-tag" in path.read_text()
    ]
    assert copies == []
