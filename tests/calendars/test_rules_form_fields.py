"""Every rule an authority keeps is on the rules form the virtual school edits: checked, saved
with who changed it, and shown on the rules page (issues 14 and 15 added rules)."""

import pytest
from django.urls import reverse

from pep_portal.calendars.forms import RuleSetForm
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.presets import MEDWAY
from pep_portal.calendars.services import RULE_FIELDS, rule_set_load_preset

# Not rules: the row's key, which preset it was reset to, where each rule came from, when.
NOT_RULES = {"id", "authority", "preset", "provenance", "updated_at"}


def test_every_rule_set_field_is_on_the_form_and_in_a_rule_with_its_provenance():
    rule_fields = {f.name for f in PepRuleSet._meta.concrete_fields if f.name not in NOT_RULES}
    # Written out by hand: the fields issue 15 added must be among them.
    assert {"youngest_age", "emergency_legal_statuses", "emergency_placement_codes"} <= rule_fields
    assert set(RuleSetForm.Meta.fields) == rule_fields
    grouped = [name for names in RULE_FIELDS.values() for name in names]
    assert sorted(grouped) == sorted(rule_fields)


def _form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        # An unticked box and an empty answer are left out, as a browser does.
        name: value
        for name, value in MEDWAY.rules.items()
        if value is not None and value is not False
    }
    form.update(
        {
            "windows-TOTAL_FORMS": "3",
            "windows-INITIAL_FORMS": "3",
            "windows-MIN_NUM_FORMS": "0",
            "windows-MAX_NUM_FORMS": "3",
            "windows-0-code": "autumn",
            "windows-0-name": "Autumn",
            "windows-0-first_month": "9",
            "windows-0-last_month": "12",
            "windows-1-code": "spring",
            "windows-1-name": "Spring",
            "windows-1-first_month": "1",
            "windows-1-last_month": "3",
            "windows-2-code": "summer",
            "windows-2-name": "Summer",
            "windows-2-first_month": "4",
            "windows-2-last_month": "7",
        }
    )
    form.update(changes)
    return form


@pytest.fixture
def medway_rules(personas):  # type: ignore[no-untyped-def]
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    return PepRuleSet.objects.get(authority=personas.authority)


def test_the_roll_rules_are_changed_on_the_form_tidied_and_audited(client, personas, medway_rules):
    assert medway_rules.youngest_age == 2
    client.force_login(personas.authority_administrator)
    response = client.post(
        reverse("calendar_rules_edit"),
        _form(
            youngest_age="3",
            emergency_legal_statuses=" l1, L2  v2 l1",
            emergency_placement_codes="r1",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    medway_rules.refresh_from_db()
    assert medway_rules.youngest_age == 3
    assert medway_rules.emergency_legal_statuses == "L1 L2 V2"
    assert medway_rules.emergency_placement_codes == "R1"
    last = medway_rules.history.latest()
    assert last.history_user == personas.authority_administrator
    assert last.youngest_age == 3
    page = client.get(reverse("calendar_rules")).content.decode()
    assert "Children from age 3 to 18" in page
    assert "legal status is L1, L2 or V2 or its placement type is R1" in page
    assert "Changed in the portal by Ada Admin" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"youngest_age": "1"}, "youngest_age", "greater than or equal to 2"),
        ({"youngest_age": "6"}, "youngest_age", "less than or equal to 5"),
        ({"youngest_age": ""}, "youngest_age", "required"),
        ({"youngest_age": "two"}, "youngest_age", "whole number"),
        (
            {"emergency_legal_statuses": "L1 <script>alert(1)</script>"},
            "emergency_legal_statuses",
            # Named up to 10 characters, escaped.
            "not known: &lt;SCRIPT&gt;AL<",
        ),
        ({"emergency_legal_statuses": "L1 Z9"}, "emergency_legal_statuses", "not known: Z9"),
        ({"emergency_placement_codes": "L1"}, "emergency_placement_codes", "not known: L1"),
        ({"emergency_placement_codes": "R1 " * 60}, "emergency_placement_codes", "at most 100"),
        ({"emergency_legal_statuses": "L1\x00"}, "emergency_legal_statuses", ""),
    ],
)
def test_bad_roll_rules_are_refused_and_nothing_changes(
    client, personas, medway_rules, changes, field, message
):
    before = medway_rules.history.count()
    client.force_login(personas.authority_administrator)
    response = client.post(reverse("calendar_rules_edit"), _form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert f'href="#id_{field}"' in page
    assert "<SCRIPT>" not in page
    medway_rules.refresh_from_db()
    assert (medway_rules.youngest_age, medway_rules.emergency_legal_statuses) == (2, "L1 L2 J2")
    assert medway_rules.history.count() == before
