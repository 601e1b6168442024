"""The cut-off's meaning moved from "requests by" to "the last date accepted". Medway's rule
sets still holding the preset's 23 March (from its process's "before the 23rd March") become
22 March; every other value already meant the last day accepted and is kept."""

import importlib

from django.apps import apps

from pep_portal.calendars.models import PepRuleSet
from tests.factories import LocalAuthorityFactory

migration = importlib.import_module(
    "pep_portal.calendars.migrations.0006_pp_plus_last_accepted_and_eligibility"
)


def _rule_set(preset: str, day: int) -> PepRuleSet:
    return PepRuleSet.objects.create(
        authority=LocalAuthorityFactory(),
        preset=preset,
        pp_plus_last_accepted_month=3,
        pp_plus_last_accepted_day=day,
        provenance={"pp_plus_cutoff": "old note"},
    )


def test_medways_23_march_becomes_22_march_and_nothing_else_moves(db):
    medway = _rule_set("medway", 23)
    changed_by_hand = _rule_set("medway", 20)
    walsall = _rule_set("walsall", 31)
    other = _rule_set("", 23)  # an authority whose own rule says "by 23 March"

    migration.last_accepted_forwards(apps, None)

    for rule_set in (medway, changed_by_hand, walsall, other):
        rule_set.refresh_from_db()
    assert medway.pp_plus_last_accepted_day == 22
    assert "the last date accepted is 22 March" in medway.provenance["pp_plus_cutoff"]
    assert changed_by_hand.pp_plus_last_accepted_day == 20
    assert walsall.pp_plus_last_accepted_day == 31
    assert other.pp_plus_last_accepted_day == 23
    assert other.provenance == {"pp_plus_cutoff": "old note"}

    migration.last_accepted_backwards(apps, None)
    medway.refresh_from_db()
    assert medway.pp_plus_last_accepted_day == 23
