"""Who may do what, written out by hand: each persona against objects in and out of their care
team and authority. Every row is checked against both halves of the engine: `user_can` on each
object, and `scope_queryset` on the list of them (so a list can never show what the detail
refuses, and neither can drift from what is written here).

The objects:
- ZARA: Northam's child at Northam High (Dee Teacher's school, whom Northam approves), placed
  with Carol Carer, allocated to Alice Social (social worker), Vic School (adviser) and Ivy
  Reviewer (IRO), delegated by Dee to Sen Co; her Autumn 2026 PEP under Medway's rules
  (designated teachers do not record meetings).
- YUSUF: Northam's child at Southam Primary (Otto Teacher's school; nobody approves Otto), with
  no social worker and no carer: only Northam's virtual school sees him.
- WREN: Southam's child at Northam High, allocated to Sid Social; Southam has not approved Dee.
"""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from children.models import Child, LegalStatus, PlacementType
from children.services import child_register
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import (
    Action,
    register_object_rules,
    registered_rules,
    scope_queryset,
    user_can,
)
from peps.models import Pep
from tests.conftest import PERSONA_NAMES

ZARA, YUSUF, WREN = "Zara", "Yusuf", "Wren"

# persona -> the children they may do each action on.
CHILD_TABLE: dict[Action, dict[str, set[str]]] = {
    Action.VIEW_CHILD: {
        "social_worker": {ZARA},
        "unrelated_social_worker": set(),
        "designated_teacher": {ZARA},
        "delegated_school_staff": {ZARA},
        "other_school_teacher": set(),
        "carer": {ZARA},
        "virtual_school_staff": {ZARA, YUSUF},
        "independent_reviewing_officer": {ZARA},
        "authority_administrator": set(),
        "other_authority_virtual_school_staff": {WREN},
        "other_authority_social_worker": {WREN},
    },
    Action.CHANGE_CHILD: {
        "virtual_school_staff": {ZARA, YUSUF},
        "other_authority_virtual_school_staff": {WREN},
    },
    Action.DELEGATE_CHILD: {"designated_teacher": {ZARA}},
    # Only a virtual school administrator reads the audit trail; Vic is an adviser.
    Action.VIEW_CHILD_AUDIT: {},
}
# Education outcomes: seen as the child is; recorded by the school (while in the care team) and
# the virtual school.
CHILD_TABLE[Action.VIEW_OUTCOMES] = CHILD_TABLE[Action.VIEW_CHILD]
CHILD_TABLE[Action.RECORD_OUTCOMES] = {
    "designated_teacher": {ZARA},
    "delegated_school_staff": {ZARA},
    "virtual_school_staff": {ZARA, YUSUF},
    "other_authority_virtual_school_staff": {WREN},
}

# persona -> may they do each action on Zara's PEP?
PEP_TABLE: dict[Action, set[str]] = {
    Action.VIEW_PEP: {
        "social_worker",
        "designated_teacher",
        "delegated_school_staff",
        "carer",
        "virtual_school_staff",
        "independent_reviewing_officer",
    },
    Action.SET_UP_PEP: {"virtual_school_staff"},
    Action.MARK_PEP_READY: {"social_worker", "designated_teacher", "delegated_school_staff"},
    Action.RECORD_PEP_MEETING: {"social_worker"},
    Action.SUBMIT_PEP: {"social_worker"},
    Action.REVIEW_PEP: {"virtual_school_staff"},
    Action.ADD_ATTACHMENT: {
        "social_worker",
        "designated_teacher",
        "delegated_school_staff",
        "carer",
        "virtual_school_staff",
    },
    Action.ARRANGE_MEETING: {"social_worker", "designated_teacher", "virtual_school_staff"},
    Action.HOLD_INTERNAL_REVIEW: {"designated_teacher"},
    Action.RAISE_PP_REQUEST: {"social_worker", "designated_teacher", "delegated_school_staff"},
}

# Who sees Carol Carer's contact details: herself, her authority's virtual school and
# administrators, and the authority staff who share a child with her (Alice, Ivy).
SEES_CAROL = {
    "carer",
    "social_worker",
    "virtual_school_staff",
    "independent_reviewing_officer",
    "authority_administrator",
}

# persona -> the areas of the portal they may open.
AREA_TABLE: dict[Action, set[str]] = {
    Action.OPEN_CHILDREN: set(PERSONA_NAMES) - {"authority_administrator"},
    Action.OPEN_MEETINGS: set(PERSONA_NAMES) - {"authority_administrator"},
    Action.OPEN_PEOPLE: set(PERSONA_NAMES) - {"carer"},
    Action.OPEN_CALENDARS: {
        "virtual_school_staff",
        "authority_administrator",
        "other_authority_virtual_school_staff",
    },
    Action.QUALITY_ASSURE: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    Action.OPEN_PUPIL_PREMIUM: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    Action.REGISTER_CHILD: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    Action.VIEW_ALL_CHILDREN: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    Action.MANAGE_PP_ALLOCATIONS: set(),
    # The audit log: the people who manage the authority's accounts.
    Action.SEARCH_AUDIT_LOG: {"authority_administrator"},
    Action.OPEN_PEP_BUNDLES: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD: {
        "virtual_school_staff",
        "other_authority_virtual_school_staff",
    },
    Action.COUNT_PEOPLE: {
        "virtual_school_staff",
        "authority_administrator",
        "other_authority_virtual_school_staff",
    },
    Action.VIEW_OWN_APPROVALS: {"designated_teacher", "other_school_teacher"},
    # Importing the case system's extract: virtual school administrators only (none of these
    # personas is one; tests/roll checks the administrator).
    Action.IMPORT_ROLL: set(),
    # Schools' MIS files of attendance and attainment: the virtual school.
    Action.IMPORT_MIS_DATA: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    # The wider cohorts (previously looked after, children with a social worker): the virtual
    # school's own staff, each of its own authority.
    Action.VIEW_WIDER_COHORTS: {"virtual_school_staff", "other_authority_virtual_school_staff"},
    Action.LOG_WIDER_COHORTS: {"virtual_school_staff", "other_authority_virtual_school_staff"},
}


def _register(actor: User, name: str, school, social_worker=None) -> Child:  # type: ignore[no-untyped-def]
    return child_register(
        actor=actor,
        details={
            "legal_first_name": name,
            "legal_last_name": "Table",
            "date_of_birth": dt.date(2015, 5, 5),
            "gender": "female",
        },
        entered_care_on=dt.date(2026, 9, 14),
        emergency_placement=False,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[],
        school=school,
        social_worker=social_worker,
    )


@pytest.fixture
def world(personas, pep_setting):  # type: ignore[no-untyped-def]
    children = {
        ZARA: pep_setting.child,
        YUSUF: _register(
            personas.virtual_school_staff, YUSUF, personas.other_school_teacher.school
        ),
        WREN: _register(
            personas.other_authority_virtual_school_staff,
            WREN,
            personas.designated_teacher.school,
            social_worker=personas.other_authority_social_worker,
        ),
    }
    return children, pep_setting.pep


def _check(user: User, action: Action, objects: dict[str, object], expected: set[str]) -> None:
    model = type(next(iter(objects.values())))
    names = {obj.pk: name for name, obj in objects.items()}
    listed = scope_queryset(user, action, model._default_manager.filter(pk__in=names))
    assert {names[pk] for pk in listed.values_list("pk", flat=True)} == expected, (
        f"{user.full_name} {action} (list)"
    )
    for name, obj in objects.items():
        assert user_can(user, action, obj) == (name in expected), (
            f"{user.full_name} {action} {name}"
        )


@pytest.mark.parametrize("name", PERSONA_NAMES)
def test_children_by_persona(personas, world, name):
    children, _ = world
    user = getattr(personas, name)
    for action, table in CHILD_TABLE.items():
        _check(user, action, children, table.get(name, set()))


@pytest.mark.parametrize("name", PERSONA_NAMES)
def test_the_pep_by_persona(personas, world, name):
    _, pep = world
    user = getattr(personas, name)
    for action, allowed in PEP_TABLE.items():
        _check(user, action, {ZARA: pep}, {ZARA} if name in allowed else set())


@pytest.mark.parametrize("name", PERSONA_NAMES)
def test_who_sees_the_carer(personas, world, name):
    user = getattr(personas, name)
    expected = {"Carol"} if name in SEES_CAROL else set()
    _check(user, Action.VIEW_PERSON, {"Carol": personas.carer}, expected)


@pytest.mark.parametrize("name", PERSONA_NAMES)
def test_areas_by_persona(personas, name):
    user = getattr(personas, name)
    for action, allowed in AREA_TABLE.items():
        assert user_can(user, action) == (name in allowed), f"{name} {action}"


def test_a_virtual_school_administrator_reads_the_audit_and_keeps_pp_allocations(personas, world):
    children, _ = world
    vic = personas.virtual_school_staff
    vic.is_vs_administrator = True
    vic.save()
    _check(vic, Action.VIEW_CHILD_AUDIT, children, {ZARA, YUSUF})
    assert user_can(vic, Action.MANAGE_PP_ALLOCATIONS)
    _check(
        vic,
        Action.MANAGE_PP_ALLOCATIONS,
        {"Northam": personas.authority, "Southam": personas.other_authority},
        {"Northam"},
    )


def test_a_closed_account_may_do_nothing(personas, world):
    children, pep = world
    vic = personas.virtual_school_staff
    vic.is_active = False
    vic.save()
    _check(vic, Action.VIEW_CHILD, children, set())
    _check(vic, Action.REVIEW_PEP, {ZARA: pep}, set())
    assert not user_can(vic, Action.OPEN_CHILDREN)
    assert not scope_queryset(vic, Action.VIEW_PEP, Pep.objects.all()).exists()


def test_an_action_without_a_rule_is_refused(personas, world):
    children, _ = world
    with pytest.raises(PermissionError):
        user_can(personas.virtual_school_staff, Action.REVIEW_PEP, children[ZARA])
    with pytest.raises(PermissionError):
        user_can(personas.virtual_school_staff, Action.VIEW_CHILD)


def test_every_action_has_a_rule_and_every_area_is_in_the_table():
    assert {action for _, action in registered_rules()} == set(Action)
    assert {action for model, action in registered_rules() if model == "area"} == set(AREA_TABLE)


def test_a_second_rule_for_the_same_action_stops_the_portal_starting():
    # An app cannot quietly replace another's rule (say, to let everyone see every child).
    with pytest.raises(ImproperlyConfigured, match="Two rules for view_child on Child"):
        register_object_rules({(Child, Action.VIEW_CHILD): lambda user: Q()})
