"""Review terms are keyed by a stable code: renaming every one of them on the rules page, as an
administrator would, moves no due date and stops no termly set-up."""

import datetime as dt
import importlib
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.services import meeting_arrange, meeting_record
from pep_portal.calendars.models import PepRuleSet, ReviewWindow
from pep_portal.notifications.services import termly_set_up
from peps.models import Pep, Term
from peps.services import pep_set_up
from tests.meetings.test_meetings import at

D = dt.date
RENAMED = {"autumn": "Michaelmas", "spring": "Lent", "summer": "Trinity"}


class RulesFormParser(HTMLParser):
    """What a browser sends from the rules form untouched: each input's value, each select's
    selected option, each ticked box."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def rename_every_term_on_the_rules_page(client, administrator) -> None:  # type: ignore[no-untyped-def]
    client.force_login(administrator)
    page = client.get(reverse("calendar_rules_edit")).content.decode()
    parser = RulesFormParser()
    parser.feed(page)
    form = parser.values
    # The page offers the three terms, each with its code chosen, and no more.
    assert [form[f"windows-{n}-code"] for n in range(3)] == ["autumn", "spring", "summer"]
    assert "windows-3-name" not in form
    for n in range(3):
        form[f"windows-{n}-name"] = RENAMED[form[f"windows-{n}-code"]]
    response = client.post(reverse("calendar_rules_edit"), form)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_renaming_every_review_term_moves_no_due_date_and_stops_no_set_up(
    client, personas, pep_setting
):
    rename_every_term_on_the_rules_page(client, personas.authority_administrator)
    windows = ReviewWindow.objects.filter(rule_set__authority=personas.authority)
    assert {(w.code, w.name) for w in windows} == {
        ("autumn", "Michaelmas"),
        ("spring", "Lent"),
        ("summer", "Trinity"),
    }
    page = client.get(reverse("calendar_rules")).content.decode()
    assert "Michaelmas (September to December), Lent (January to March)" in page

    # The termly set-up, two weeks before the spring term opens (1 January 2027): Zara's spring
    # PEP is made, due on the last day of the spring review term, 31 March 2027.
    made = termly_set_up(today=D(2026, 12, 18))
    assert made == {f"{personas.authority.slug} spring 2026": 1}
    spring = Pep.objects.get(child=pep_setting.child, academic_year=2026, term=Term.SPRING)
    assert spring.due_on == D(2027, 3, 31)
    assert spring.due_basis == ("Northam Council: Lent review between 1 January and 31 March 2027")
    # Summer opens 1 April 2027; set up from 18 March; due 31 July 2027.
    assert termly_set_up(today=D(2027, 3, 17)) == {}
    assert termly_set_up(today=D(2027, 3, 18)) == {f"{personas.authority.slug} summer 2026": 1}
    summer = Pep.objects.get(child=pep_setting.child, academic_year=2026, term=Term.SUMMER)
    assert summer.due_on == D(2027, 7, 31)
    # Set up by hand for next autumn: due 31 December 2027.
    staff = personas.virtual_school_staff
    autumn = pep_set_up(actor=staff, child=pep_setting.child, academic_year=2027, term="autumn")
    assert autumn.due_on == D(2027, 12, 31)


def test_after_renaming_the_next_meeting_must_still_fall_in_the_following_term(
    client, personas, pep_setting
):
    rename_every_term_on_the_rules_page(client, personas.authority_administrator)
    arranged = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(D(2026, 11, 10))
    )
    record = {
        "actor": personas.social_worker,
        "meeting": arranged.meeting,
        "held_on": D(2026, 11, 10),
        "attendance": {a.pk: (True, "") for a in arranged.meeting.attendees.all()},
        "discussion": "Reading is coming on well.",
    }
    with pytest.raises(ValidationError) as refused:
        meeting_record(**record, next_meeting_on=D(2027, 4, 20))
    assert refused.value.message_dict["next_meeting_on"] == [
        "The next meeting must be in the Lent term: between 1 January and 31 March 2027"
    ]
    meeting_record(**record, next_meeting_on=D(2027, 2, 2))
    assert Pep.objects.get(pk=pep_setting.pep.pk).status == "meeting_held"


def test_the_migration_keys_existing_terms_by_their_names_else_by_position():
    migration = importlib.import_module("pep_portal.calendars.migrations.0004_review_window_code")
    assert migration.code_for("Autumn", set()) == "autumn"
    assert migration.code_for("  autumn term ", set()) == "autumn"
    assert migration.code_for("Summer 2", set()) == "summer"
    assert migration.code_for("Summer 2", {"summer"}) is None
    assert migration.code_for("Michaelmas", set()) is None


def test_every_rule_set_term_has_a_code_a_pep_can_hold(personas, pep_setting):
    rule_set = PepRuleSet.objects.get(authority=personas.authority)
    codes = [w.code for w in rule_set.windows.all()]
    assert codes == ["autumn", "spring", "summer"]
    assert set(codes) <= set(Term.values)


def test_the_review_term_codes_are_the_pep_term_codes():
    from pep_portal.calendars.choices import TermCode

    assert set(TermCode.values) == set(Term.values) - {Term.INITIAL}
