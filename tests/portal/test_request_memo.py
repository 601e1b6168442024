"""Answers remembered for one page load (pep_portal/request_memo.py): the authority's PEP rules
and the permission engine's answers about one object are asked of the database once while a
GET is answered, and asked afresh everywhere else: another request, a POST, a task or service
called outside a request."""

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from pep_portal.accounts.permissions import Action, allowed_actions, user_can
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.selectors import rules_for_authority
from pep_portal.request_memo import RequestMemoMiddleware


def _answered(method: str, view):  # type: ignore[no-untyped-def]
    """Run `view` as the middleware runs a request of this method; its queries counted."""
    seen: dict[str, object] = {}

    def get_response(request: HttpRequest) -> HttpResponse:
        with CaptureQueriesContext(connection) as queries:
            seen["value"] = view()
        seen["queries"] = len(queries)
        return HttpResponse()

    request = getattr(RequestFactory(), method.lower())("/")
    RequestMemoMiddleware(get_response)(request)
    return seen["value"], seen["queries"]


def test_a_page_load_reads_the_rules_once(pep_setting, personas):
    authority = personas.authority

    def twice():  # type: ignore[no-untyped-def]
        return rules_for_authority(authority), rules_for_authority(authority)

    (first, second), queries = _answered("GET", twice)
    assert first == second
    assert queries == 2  # the rule set and its review windows, once

    # Without a page load (a task, the sweep, a service) each call reads them: 2 + 2.
    with CaptureQueriesContext(connection) as outside:
        twice()
    assert len(outside) == 4
    # A form being saved may change the rules: nothing is remembered while a POST is answered.
    _, posted = _answered("POST", twice)
    assert posted == 4


def test_the_next_page_load_sees_changed_rules(pep_setting, personas):
    authority = personas.authority
    before, _ = _answered("GET", lambda: rules_for_authority(authority))
    rule_set = PepRuleSet.objects.get(authority=authority)
    rule_set.formal_meetings_per_year = before.formal_meetings_per_year + 1
    rule_set.save()
    after, _ = _answered("GET", lambda: rules_for_authority(authority))
    assert after.formal_meetings_per_year == before.formal_meetings_per_year + 1


@pytest.mark.parametrize("who", ["social_worker", "designated_teacher", "carer"])
def test_answers_asked_together_are_not_asked_again(pep_setting, personas, who):
    user, child = getattr(personas, who), pep_setting.child
    actions = [Action.VIEW_CHILD, Action.VIEW_OUTCOMES]
    # The oracle: each question asked alone, outside any page load.
    expected = {action for action in actions if user_can(user, action, child)}
    assert Action.VIEW_CHILD in expected  # a member of her care team

    def together_then_alone():  # type: ignore[no-untyped-def]
        together = allowed_actions(user, child, actions)
        with CaptureQueriesContext(connection) as again:
            alone = {action for action in actions if user_can(user, action, child)}
        return together, alone, len(again)

    (together, alone, asked_again), _ = _answered("GET", together_then_alone)
    assert together == alone == expected
    assert asked_again == 0


def test_someone_outside_the_care_team_is_refused_from_the_memo_too(pep_setting, personas):
    stranger, child = personas.unrelated_social_worker, pep_setting.child

    def ask():  # type: ignore[no-untyped-def]
        together = allowed_actions(stranger, child, [Action.VIEW_CHILD])
        return together, user_can(stranger, Action.VIEW_CHILD, child)

    (together, alone), _ = _answered("GET", ask)
    assert together == set()
    assert alone is False
