"""`allowed_actions`: several actions on one object in one query, each answered exactly as
`user_can` answers it alone (the oracle: user_can, asked action by action)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from children.models import Child
from pep_portal.accounts.permissions import (
    Action,
    allowed_actions,
    allowed_actions_together,
    scope_queryset,
    user_can,
)
from peps.models import Pep, PepStatus
from tests.conftest import PERSONA_NAMES
from tests.portal.test_request_memo import _answered

PEP_ACTIONS = [
    Action.VIEW_PEP,
    Action.MARK_PEP_READY,
    Action.SUBMIT_PEP,
    Action.REVIEW_PEP,
    Action.ADD_ATTACHMENT,
    Action.RAISE_PP_REQUEST,
    Action.ARRANGE_MEETING,
]


@pytest.mark.parametrize("status", [PepStatus.IN_PROGRESS, PepStatus.SUBMITTED])
def test_the_same_answers_as_user_can_for_every_persona(personas, pep_setting, status):
    Pep.objects.filter(pk=pep_setting.pep.pk).update(status=status)
    pep = Pep.objects.get(pk=pep_setting.pep.pk)
    somebody_may = False
    for name in PERSONA_NAMES:
        user = getattr(personas, name)
        expected = {action for action in PEP_ACTIONS if user_can(user, action, pep)}
        with CaptureQueriesContext(connection) as queries:
            got = allowed_actions(user, pep, PEP_ACTIONS)
        assert got == expected, name
        assert len(queries) <= 1, name  # one query, whatever the number of actions
        somebody_may |= bool(got)
    assert somebody_may


def test_a_deleted_object_allows_nothing(personas, pep_setting):
    pep = pep_setting.pep
    ghost = Pep(pk=pep.pk + 10_000, child=pep.child)
    assert allowed_actions(personas.virtual_school_staff, ghost, PEP_ACTIONS) == set()
    assert allowed_actions(personas.virtual_school_staff, pep, []) == set()


CHILD_ACTIONS = [
    Action.VIEW_CHILD,
    Action.CHANGE_CHILD,
    Action.DELEGATE_CHILD,
    Action.VIEW_CHILD_AUDIT,
    Action.VIEW_OUTCOMES,
    Action.RECORD_OUTCOMES,
]


def test_several_objects_asked_together_in_one_query(personas, pep_setting):
    pep = pep_setting.pep
    child = pep.child
    for name in PERSONA_NAMES:
        user = getattr(personas, name)
        expected_child = {action for action in CHILD_ACTIONS if user_can(user, action, child)}
        expected_pep = {action for action in PEP_ACTIONS if user_can(user, action, pep)}
        with CaptureQueriesContext(connection) as queries:
            got = allowed_actions_together(user, [(child, CHILD_ACTIONS), (pep, PEP_ACTIONS)])
        assert got == [expected_child, expected_pep], name
        assert len(queries) <= 1, name


def test_actions_with_the_same_rule_are_asked_once(personas, pep_setting):
    """On a page that already read the care team (pep_portal/request_memo.py), the buttons
    whose rule is that care team are one subquery in the engine's query, not one each."""
    social_worker, pep = personas.social_worker, pep_setting.pep
    expected = {action for action in PEP_ACTIONS if user_can(social_worker, action, pep)}

    def page():  # type: ignore[no-untyped-def]
        for _ in range(4):  # the page's earlier questions about the care team
            scope_queryset(social_worker, Action.VIEW_CHILD, Child.objects.all()).exists()
        with CaptureQueriesContext(connection) as queries:
            got = allowed_actions(social_worker, pep, PEP_ACTIONS)
        return got, queries.captured_queries[0]["sql"]

    (got, sql), _ = _answered("GET", page)
    assert got == expected
    # View, ready, attach, arrange (the care team) and submit, raise PP+ (her own caseload): two
    # subqueries, not six; review: no rule (no subquery).
    assert {Action.VIEW_PEP, Action.MARK_PEP_READY, Action.ADD_ATTACHMENT} <= got
    assert sql.count("EXISTS(") == 2


def test_a_rule_inherited_from_the_child_carries_the_care_team_not_a_query_of_children(
    personas, pep_setting
):
    """`scope_pks`: the PEPs of the children a social worker may see are filtered by her care
    team's rows themselves, with no subquery of the children table around them; the same
    PEPs as the children's own rule gives (the oracle)."""
    social_worker = personas.social_worker
    peps = scope_queryset(social_worker, Action.VIEW_PEP, Pep.objects.all())
    sql = str(peps.query)
    assert '"children_childuserobjectpermission"' in sql
    assert '"children_child"' not in sql
    children = scope_queryset(social_worker, Action.VIEW_CHILD, Child.objects.all())
    expected = set(Pep.objects.filter(child__in=children).values_list("pk", flat=True))
    assert expected and set(peps.values_list("pk", flat=True)) == expected
