"""Answers remembered for one page load (pep_portal/request_memo.py): the authority's PEP rules
and the permission engine's answers about one object are asked of the database once while a
GET is answered, and asked afresh everywhere else: another request, a POST, a task or service
called outside a request."""

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from children.models import Child
from children.services import care_team_allocate
from pep_portal.accounts.permissions import Action, allowed_actions, scope_queryset, user_can
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.selectors import rules_for_authority
from pep_portal.request_memo import RequestMemoMiddleware
from peps.models import Pep
from tests.cycle import test_cycle_rules

moved_today = test_cycle_rules.moved_today
GRANTS = '"children_childuserobjectpermission"'
WINDOWS = '"children_previousschoolaccess"'


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


# --- The care team, read once for a page that asks about it again and again ------------------


def _sees_child(user, child_pk):  # type: ignore[no-untyped-def]
    return scope_queryset(user, Action.VIEW_CHILD, Child.objects.filter(pk=child_pk)).exists()


def _asked_six_times(question):  # type: ignore[no-untyped-def]
    """Six answers to `question()`, with the SQL each sent."""

    def ask():  # type: ignore[no-untyped-def]
        answers, sent = [], []
        for _ in range(6):
            with CaptureQueriesContext(connection) as queries:
                answers.append(question())
            sent.append([query["sql"] for query in queries.captured_queries])
        return answers, sent

    return ask


def test_a_page_that_asks_about_the_care_team_often_reads_it_once(pep_setting, personas):
    social_worker, child = personas.social_worker, pep_setting.child
    ask = _asked_six_times(lambda: _sees_child(social_worker, child.pk))
    (answers, sent), queries = _answered("GET", ask)
    assert answers == [True] * 6
    # Three questions carry the care team as a subquery; the fourth reads its ids (one query
    # more) and it and the later ones carry the ids, not the subquery.
    assert queries == 7
    assert [len(sql) for sql in sent] == [1, 1, 1, 2, 1, 1]
    assert all(GRANTS in sql[0] for sql in sent[:3])
    assert GRANTS in sent[3][0] and "unnest" in sent[3][1]
    assert not any(GRANTS in sql[-1] for sql in sent[3:])
    # A POST (or a task, or a service outside any request) reads the care team every time.
    (answers, sent), queries = _answered("POST", ask)
    assert answers == [True] * 6
    assert queries == 6
    assert all(GRANTS in sql[0] for sql in sent)


def test_a_care_team_read_for_one_page_load_is_not_kept_for_a_post_or_the_next(
    pep_setting, personas
):
    social_worker, child = personas.social_worker, pep_setting.child
    first, _ = _answered("GET", lambda: [_sees_child(social_worker, child.pk) for _ in range(6)])
    assert first == [True] * 6

    def ask_reallocate_ask():  # type: ignore[no-untyped-def]
        before = [_sees_child(social_worker, child.pk) for _ in range(4)]
        care_team_allocate(
            actor=personas.virtual_school_staff,
            child=child,
            social_worker=None,
            virtual_school_adviser=child.virtual_school_adviser,
            independent_reviewing_officer=child.independent_reviewing_officer,
        )
        return before, [_sees_child(social_worker, child.pk) for _ in range(2)]

    # The social worker is taken off the child by a POST: its later questions see it at once.
    (before, after), _ = _answered("POST", ask_reallocate_ask)
    assert before == [True] * 4
    assert after == [False] * 2
    # And the next page load reads the care team afresh: refused, every time it asks.
    again, _ = _answered("GET", lambda: [_sees_child(social_worker, child.pk) for _ in range(6)])
    assert again == [False] * 6


def test_the_previous_schools_window_is_read_with_the_care_team(personas, moved_today):
    """The PEP rule's handed-over part (two correlated subqueries) is left out once the page
    load knows the user holds no window; a teacher who holds one still reads the PEP."""
    _child, initial, nia, _today = moved_today
    previous_teacher = personas.designated_teacher

    def may_read(user):  # type: ignore[no-untyped-def]
        return _asked_six_times(
            lambda: scope_queryset(
                user, Action.VIEW_PEP, Pep.objects.filter(pk=initial.pk)
            ).exists()
        )

    (answers, sent), _ = _answered("GET", may_read(previous_teacher))
    assert answers == [True] * 6  # the previous school, in its window
    assert all(WINDOWS in sql[-1] for sql in sent)
    (answers, sent), _ = _answered("GET", may_read(nia))
    assert answers == [True] * 6  # the new school's teacher, in the care team
    assert all(WINDOWS in sql[-1] for sql in sent[:3])
    assert not any(WINDOWS in sql[-1] for sql in sent[3:])
