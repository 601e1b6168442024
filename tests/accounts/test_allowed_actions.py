"""`allowed_actions`: several actions on one object in one query, each answered exactly as
`user_can` answers it alone (the oracle: user_can, asked action by action)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pep_portal.accounts.permissions import Action, allowed_actions, user_can
from peps.models import Pep, PepStatus
from tests.conftest import PERSONA_NAMES

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
