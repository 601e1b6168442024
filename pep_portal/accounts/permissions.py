"""Who may do what: the one engine the portal asks (docs/adr/0001-permissions.md).

The engine knows no app above accounts. Each app declares the rules for its own models and
actions in its own `rules.py` and registers them from its AppConfig.ready(); the engine only
dispatches on (model, action):

- an *object rule* maps a user to a queryset filter (`Q`): `scope_queryset` applies it to a list
  and `user_can` asks whether one object is in that same filtered list, so a list page can never
  show what the detail page would refuse, or the other way round;
- an *area rule* answers an action that is about no one object ("may open quality assurance"),
  from the user alone, for menus and for the views of that area.

An action nobody registered a rule for is refused (`PermissionError`), never allowed by accident.
Closed accounts and visitors who are not signed in may do nothing, whatever the rules say.
"""

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, Model, Q, QuerySet

from pep_portal.request_memo import recall, remember

from .models import LocalAuthority, User
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, Role


class Action(StrEnum):
    # People and authorities (accounts).
    VIEW_PERSON = "view_person"
    MANAGE_PERSON = "manage_person"
    VIEW_AUTHORITY = "view_authority"
    OPEN_PEOPLE = "open_people"
    # How many accounts of each role the user's authority has (the home page).
    COUNT_PEOPLE = "count_people"
    # Search and export the authority's audit log (pep_portal/audit_search/).
    SEARCH_AUDIT_LOG = "search_audit_log"
    # Children (children/): the care team, held as django-guardian rows by children.access.
    VIEW_CHILD = "view_child"
    # Register, edit details, record placement and school moves, allocate staff.
    CHANGE_CHILD = "change_child"
    REGISTER_CHILD = "register_child"
    # See and search every child of their authority (the virtual school's whole list).
    VIEW_ALL_CHILDREN = "view_all_children"
    DELEGATE_CHILD = "delegate_child"
    VIEW_CHILD_AUDIT = "view_child_audit"
    OPEN_CHILDREN = "open_children"
    # The wider cohorts (children/, no PEPs): previously looked-after children's advice
    # requests and the counts of children with a social worker, by school.
    VIEW_WIDER_COHORTS = "view_wider_cohorts"
    LOG_WIDER_COHORTS = "log_wider_cohorts"
    # The roll: import the case system's SSDA903 extract (roll/), record leaving care.
    IMPORT_ROLL = "import_roll"
    # Designated teachers' approvals (children.TeacherApproval): on the teacher, or on one
    # authority's approval of them.
    APPROVE_TEACHER = "approve_teacher"
    VIEW_OWN_APPROVALS = "view_own_approvals"
    VIEW_TEACHER_APPROVALS = "view_teacher_approvals"
    WITHDRAW_TEACHER_APPROVAL = "withdraw_teacher_approval"
    # Term calendars and PEP rules (pep_portal.calendars): on an authority, or on a school.
    VIEW_CALENDAR = "view_calendar"
    EDIT_CALENDAR = "edit_calendar"
    EDIT_RULES = "edit_rules"
    OPEN_CALENDARS = "open_calendars"
    # PEPs (peps/): access is inherited from the child, then narrowed by role.
    VIEW_PEP = "view_pep"
    SET_UP_PEP = "set_up_pep"
    MARK_PEP_READY = "mark_pep_ready"
    RECORD_PEP_MEETING = "record_pep_meeting"
    SUBMIT_PEP = "submit_pep"
    REVIEW_PEP = "review_pep"
    ADD_ATTACHMENT = "add_attachment"
    # Meetings (meetings/).
    ARRANGE_MEETING = "arrange_meeting"
    HOLD_INTERNAL_REVIEW = "hold_internal_review"
    OPEN_MEETINGS = "open_meetings"
    # Quality assurance (quality_assurance/).
    QUALITY_ASSURE = "quality_assure"
    # Read a PEP's quality assurance: its rating, feedback and the changes asked for.
    VIEW_QA_FEEDBACK = "view_qa_feedback"
    VIEW_VIRTUAL_SCHOOL_DASHBOARD = "view_virtual_school_dashboard"
    # Pupil Premium Plus.
    RAISE_PP_REQUEST = "raise_pp_request"
    VIEW_PP_REQUEST = "view_pp_request"
    DECIDE_PP_REQUEST = "decide_pp_request"
    OPEN_PUPIL_PREMIUM = "open_pupil_premium"
    MANAGE_PP_ALLOCATIONS = "manage_pp_allocations"
    # PEP documents (PDFs, bulk ZIPs).
    DOWNLOAD_PEP_BUNDLE = "download_pep_bundle"
    OPEN_PEP_BUNDLES = "open_pep_bundles"
    # Education outcomes (outcomes/): attendance, suspensions and exclusions, attainment.
    VIEW_OUTCOMES = "view_outcomes"
    RECORD_OUTCOMES = "record_outcomes"
    # Upload a school's MIS export of attendance or attainment (one school, or the authority).
    IMPORT_MIS_DATA = "import_mis_data"
    # Notifications (pep_portal.notifications): one about a child only while it may be seen.
    VIEW_NOTIFICATION = "view_notification"


ObjectRule = Callable[[User], Q]
AreaRule = Callable[[User], bool]
M = TypeVar("M", bound=Model)

_OBJECT_RULES: dict[tuple[type[Model], Action], ObjectRule] = {}
# Rules an app above the model's own adds to it: the object is allowed if the owner's rule or any
# widening allows it (children widen who sees a person: those who share a child with them).
_WIDENINGS: dict[tuple[type[Model], Action], list[ObjectRule]] = {}
_AREA_RULES: dict[Action, AreaRule] = {}


def register_object_rules(rules: Mapping[tuple[type[Model], Action], ObjectRule]) -> None:
    """Declare who may do each action on each model (called from an AppConfig.ready())."""
    for key, rule in rules.items():
        model, action = key
        if key in _OBJECT_RULES and _OBJECT_RULES[key] is not rule:
            raise ImproperlyConfigured(f"Two rules for {action} on {model.__name__}")
        _OBJECT_RULES[key] = rule


def widen_object_rule(model: type[Model], action: Action, rule: ObjectRule) -> None:
    """Let a higher app add to a lower model's rule (never narrow it)."""
    widenings = _WIDENINGS.setdefault((model, action), [])
    if rule not in widenings:
        widenings.append(rule)


def register_area_rules(rules: Mapping[Action, AreaRule]) -> None:
    """Declare who may use each area of the portal (called from an AppConfig.ready())."""
    for action, rule in rules.items():
        if action in _AREA_RULES and _AREA_RULES[action] is not rule:
            raise ImproperlyConfigured(f"Two area rules for {action}")
        _AREA_RULES[action] = rule


def registered_rules() -> list[tuple[str, str]]:
    """(model or "area", action) for every rule registered, for the docs and the tests."""
    rows = [(model.__name__, str(action)) for model, action in _OBJECT_RULES]
    rows += [("area", str(action)) for action in _AREA_RULES]
    return sorted(rows)


def _may_act(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def nothing() -> Q:
    """A filter no row matches."""
    return Q(pk__in=[])


def _rule_for(model: type[Model], action: Action) -> ObjectRule:
    try:
        return _OBJECT_RULES[(model, action)]
    except KeyError:
        # An action nobody wrote a rule for is refused, never allowed by accident.
        raise PermissionError(f"No rule for {action} on {model.__name__}") from None


def _allowed(user: User, model: type[Model], action: Action) -> Q | None:
    """The filter of the rows of `model` that `user` may `action` (the rule and its widenings);
    None when the user may do nothing at all."""
    rule = _rule_for(model, action)
    if not _may_act(user):
        return None
    allowed = rule(user)
    for widening in _WIDENINGS.get((model, action), ()):
        allowed |= widening(user)
    return allowed


def scope_queryset(user: User, action: Action, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` that `user` may `action`."""
    allowed = _allowed(user, queryset.model, action)
    if allowed is None:
        return queryset.none()
    return queryset.filter(allowed)


def scope_pks(user: User, action: Action, model: type[Model]) -> object:
    """The primary keys of the rows of `model` that `user` may `action`, as the right-hand side
    of an `__in` filter on a foreign key to `model` (a rule inherited from a parent object's).

    A rule that is itself a set of primary keys (`Q(pk__in=...)`: the care team) is given as
    that set, not wrapped in a subquery of `model` that selects the same keys: a foreign key
    holds only keys that exist, so both filter the same rows, and each nesting is SQL compiled
    afresh for every question a page asks."""
    allowed = _allowed(user, model, action)
    if allowed is None:
        return model._default_manager.none().values("pk")
    if not allowed.negated and len(allowed.children) == 1:
        only = allowed.children[0]
        if isinstance(only, tuple) and only[0] == "pk__in":
            return only[1]
    return model._default_manager.filter(allowed).values("pk")


def user_can(user: User, action: Action, obj: Model | None = None) -> bool:
    """Whether `user` may `action` this object, by the very rule that filters lists; without an
    object, whether they may use that area of the portal at all."""
    if obj is None:
        try:
            rule = _AREA_RULES[action]
        except KeyError:
            raise PermissionError(f"No area rule for {action}") from None
        return _may_act(user) and rule(user)
    key = _answer_key(user, action, obj)
    known = recall(key)
    if known is not None:
        return bool(known)
    model = type(obj)
    may = scope_queryset(user, action, model._default_manager.filter(pk=obj.pk)).exists()
    remember(key, may)
    return may


def _answer_key(user: User, action: Action, obj: Model) -> tuple[object, ...]:
    # An answer kept for the rest of a GET's page load (pep_portal/request_memo.py), so the
    # page's parts that ask the same question of the same object ask the database once.
    return ("user_can", user.pk, action, obj._meta.label, obj.pk)


def allowed_actions(user: User, obj: Model, actions: Iterable[Action]) -> set[Action]:
    """Which of `actions` the user may do to this object: each by the very rule `user_can`
    asks, all in one query (a page with several buttons, not a query per button). The answers
    are kept for the rest of a GET's page load: asked here first, the page's later `user_can`
    of the same object asks nothing more."""
    return allowed_actions_together(user, [(obj, actions)])[0]


def allowed_actions_together(
    user: User, questions: Iterable[tuple[Model, Iterable[Action]]]
) -> list[set[Action]]:
    """`allowed_actions` of several objects (a PEP and its child, say) in one query: for each
    (object, actions), which of them the user may do, in the order asked. Two actions whose
    rules are the same filter of the same object are asked once."""
    questions = [(obj, list(actions)) for obj, actions in questions]
    checks: dict[tuple[int, Action], str] = {}
    annotations: dict[str, Exists] = {}
    asked: dict[object, str] = {}
    for n, (obj, actions) in enumerate(questions):
        model = type(obj)
        for action in actions:
            allowed = _allowed(user, model, action)
            if allowed is None:
                continue
            scoped = model._default_manager.filter(pk=obj.pk).filter(allowed)
            if scoped.query.is_empty():
                continue
            try:
                # The rules of several buttons are often the one care team (same Q, same row).
                same = (model, obj.pk, allowed)
                hash(same)
            except TypeError:
                same = (n, action)
            if same not in asked:
                asked[same] = f"may_{len(asked)}"
                annotations[asked[same]] = Exists(scoped)
            checks[(n, action)] = asked[same]
    row: dict[str, bool] = {}
    if annotations:
        carrier, _ = questions[0]
        found = list(
            type(carrier)
            ._default_manager.filter(pk=carrier.pk)
            .order_by()
            .annotate(**annotations)
            .values(*annotations)[:1]
        )
        row = found[0] if found else {}
    answers = []
    for n, (obj, actions) in enumerate(questions):
        allowed_here = {a for a in actions if (n, a) in checks and row.get(checks[(n, a)])}
        for action in actions:
            remember(_answer_key(user, action, obj), action in allowed_here)
        answers.append(allowed_here)
    return answers


def allowed_ids(user: User, action: Action, objects: Iterable[Model]) -> set[int]:
    """The ids of those of `objects` (all of one model) the user may `action`, in one query:
    for lists that show a button per row without a query per row."""
    objects = list(objects)
    if not objects:
        return set()
    model = type(objects[0])
    queryset = model._default_manager.filter(pk__in=[o.pk for o in objects])
    return set(scope_queryset(user, action, queryset).values_list("pk", flat=True))


# --- The accounts app's own rules: people and authorities -----------------------------------


def is_people_manager(user: User) -> bool:
    """Authority administrators and virtual school administrators manage their authority's
    accounts (carers included), so the virtual school never waits on IT to add a carer."""
    return user.is_authenticated and (
        user.role == Role.AUTHORITY_ADMINISTRATOR
        or (user.role == Role.VIRTUAL_SCHOOL_STAFF and user.is_vs_administrator)
    )


def is_virtual_school_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.role == Role.VIRTUAL_SCHOOL_STAFF)


def sees_whole_authority(user: User) -> bool:
    """The virtual school sees every child of its authority, not just a care team's."""
    return is_virtual_school_staff(user) and user.authority_id is not None


def _visible_people(user: User) -> Q:
    """People whose contact details a user may see: themselves, colleagues at the same school
    (for school staff) and colleagues in the same authority (for authority staff). Carers are
    colleagues only to the virtual school and administrators; anyone else sees a carer only
    while they share a child with them (a widening the children app adds)."""
    rule = Q(pk=user.pk)
    if user.role in AUTHORITY_ROLES:
        colleagues = Q(authority_id=user.authority_id)
        if user.role in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR):
            rule |= colleagues
        else:
            rule |= colleagues & ~Q(role=Role.CARER)
    elif user.role in SCHOOL_ROLES:
        rule |= Q(school_id=user.school_id)
    return rule


def _manageable_people(user: User) -> Q:
    if user.is_superuser:
        # The portal's operators close and reopen any login (from Django admin), such as a
        # designated teacher's, which no single authority owns.
        return ~Q(pk=user.pk)
    if user.role == Role.DESIGNATED_TEACHER:
        # A designated teacher manages the colleagues they delegate work to.
        return Q(school_id=user.school_id, role=Role.DELEGATED_SCHOOL_STAFF)
    if not is_people_manager(user):
        return nothing()
    # Nobody manages the portal's operators, and nobody edits their own role here.
    return Q(authority_id=user.authority_id, is_superuser=False) & ~Q(pk=user.pk)


def roles_user_may_invite(user: User) -> list[Role]:
    """The roles of the accounts a user may create."""
    if not _may_act(user):
        return []
    if user.role == Role.DESIGNATED_TEACHER:
        return [Role.DELEGATED_SCHOOL_STAFF]
    if not is_people_manager(user):
        return []
    roles = [
        Role.SOCIAL_WORKER,
        Role.VIRTUAL_SCHOOL_STAFF,
        Role.INDEPENDENT_REVIEWING_OFFICER,
        Role.CARER,
        Role.DESIGNATED_TEACHER,
    ]
    if user.role == Role.AUTHORITY_ADMINISTRATOR:
        roles.append(Role.AUTHORITY_ADMINISTRATOR)
    return roles


def _visible_authorities(user: User) -> Q:
    if user.authority_id is None:
        return nothing()
    return Q(pk=user.authority_id)


def _may_open_people(user: User) -> bool:
    # Carers see only the people they share a child with, on the child's record.
    return bool(user.role) and user.role != Role.CARER


def _may_count_people(user: User) -> bool:
    return user.role in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR)


def register_account_rules() -> None:
    register_object_rules(
        {
            (User, Action.VIEW_PERSON): _visible_people,
            (User, Action.MANAGE_PERSON): _manageable_people,
            (LocalAuthority, Action.VIEW_AUTHORITY): _visible_authorities,
        }
    )
    register_area_rules(
        {
            Action.OPEN_PEOPLE: _may_open_people,
            Action.COUNT_PEOPLE: _may_count_people,
            # The people who manage the authority's accounts read who did what in it.
            Action.SEARCH_AUDIT_LOG: is_people_manager,
        }
    )
