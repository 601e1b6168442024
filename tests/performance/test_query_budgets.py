"""Query budgets for every page: the same number of queries with 7 and with 70 children in the
authority (each list, dashboard and count grown tenfold; seven, so that even the small
authority has a PEP at every point of the workflow, as the seed cycles through them), and a
child's audit trail the same with 0 and 50 changes in their history.

Every URL of the portal is either a page here (`PAGES`) or named in `NOT_PAGES` with the
reason, so a page added later fails `test_every_url_is_budgeted` until it is listed: its
budget is then checked like the others. The world is the bulk seed (pep_portal/demo_bulk.py),
grown in place from 7 to 70 children.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from children.models import Child, Enrolment
from meetings.models import Meeting, MeetingStatus
from pep_portal.accounts.models import User
from pep_portal.demo_bulk import seed_authority
from peps.models import Pep, PepStatus
from pupil_premium.models import PpRequest, PpStatus

SMALL = 7


def _seed(children: int) -> None:
    # As of today: the pages ask today's date (an arranged meeting is still to come).
    seed_authority(1, children, today=timezone.localdate())


@dataclass
class World:
    """The objects the pages are opened on: the same before and after the authority grows."""

    head: User
    social_worker: User
    teacher: User
    carer: User
    child: Child
    pep: Pep
    signed_off: Pep
    submitted: Pep
    meeting: Meeting
    pp_request: PpRequest
    urn: int
    year: int


# name: (who opens it, the URL's arguments from the world). Query strings after "?".
Page = tuple[str, Callable[[World], list[Any]], str]
PAGES: dict[str, Page] = {
    "home": ("head", lambda w: [], ""),
    "work_list": ("head", lambda w: ["no_meeting"], ""),
    "people_list": ("head", lambda w: [], ""),
    "person_detail": ("head", lambda w: [w.social_worker.pk], ""),
    "teacher_list": ("head", lambda w: [], ""),
    "teacher_approvals": ("head", lambda w: [w.teacher.pk], ""),
    "child_list": ("head", lambda w: [], ""),
    "child_detail": ("social_worker", lambda w: [w.child.pk], ""),
    "child_edit": ("head", lambda w: [w.child.pk], ""),
    "placement_change": ("head", lambda w: [w.child.pk], ""),
    "school_move": ("head", lambda w: [w.child.pk], ""),
    "care_leave": ("head", lambda w: [w.child.pk], ""),
    "care_team_allocate": ("head", lambda w: [w.child.pk], ""),
    "delegation_grant": ("teacher", lambda w: [w.child.pk], ""),
    "child_audit": ("head", lambda w: [w.child.pk], ""),
    "roll_upload": ("head", lambda w: [], ""),
    "pep_detail": ("social_worker", lambda w: [w.pep.pk], ""),
    "pep_signed_off": ("head", lambda w: [w.signed_off.pk], ""),
    "section_edit": ("teacher", lambda w: [w.pep.pk, "teacher_comments"], ""),
    "pep_set_up": ("head", lambda w: [w.child.pk], ""),
    "pep_pdf_bulk": ("head", lambda w: [], ""),
    "meeting_calendar": ("social_worker", lambda w: [], ""),
    "meeting_detail": ("social_worker", lambda w: [w.meeting.pk], ""),
    "meeting_record": ("social_worker", lambda w: [w.meeting.pk], ""),
    "target_tracker": ("social_worker", lambda w: [w.child.pk], ""),
    "qa_queue": ("head", lambda w: [], ""),
    "qa_review": ("head", lambda w: [w.submitted.pk], ""),
    "qa_training": ("head", lambda w: [], ""),
    "qa_moderation": ("head", lambda w: [], ""),
    "vs_dashboard": ("head", lambda w: [], ""),
    "vs_dashboard_csv": ("head", lambda w: [], ""),
    "pp_request_list": ("head", lambda w: [], ""),
    "pp_request_decide": ("head", lambda w: [w.pp_request.pk], ""),
    "pp_totals": ("head", lambda w: [], ""),
    "pp_totals_schools": ("head", lambda w: [], ""),
    "pp_export": ("head", lambda w: [], ""),
    "pp_allocations": ("head", lambda w: [], ""),
    "pp_school_funds": ("head", lambda w: [], ""),
    "notification_list": ("social_worker", lambda w: [], ""),
    "calendar_home": ("head", lambda w: [], ""),
    "calendar_rules": ("head", lambda w: [], ""),
    "calendar_year": ("head", lambda w: [w.year], ""),
    "calendar_export": ("head", lambda w: [w.year], ""),
    "audit_search": ("head", lambda w: [], ""),
    "audit_export": ("head", lambda w: [], ""),
    "help": ("social_worker", lambda w: [], ""),
    "session_time_left": ("social_worker", lambda w: [], ""),
    "accessibility": ("carer", lambda w: [], ""),
    "privacy": ("carer", lambda w: [], ""),
    "cookies": ("carer", lambda w: [], ""),
    "outcomes_dashboard": ("head", lambda w: [], ""),
    "outcomes_dashboard_csv": ("head", lambda w: [], ""),
    "outcomes_dashboard_xlsx": ("head", lambda w: [], ""),
    "setting_list": ("head", lambda w: [], ""),
    "advice_list": ("head", lambda w: [], ""),
    "social_worker_counts": ("head", lambda w: [], ""),
}
# The home page of each other role too.
ROLE_HOMES = ("social_worker", "teacher", "carer")

# Not a page whose size follows the authority's, each with the reason.
NOT_PAGES = {
    **dict.fromkeys(
        (
            "login",
            "logout",
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
            "password_change",
            "password_change_done",
            "keep_alive",
            "confirm_identity",
            "email_change",
            "email_change_confirm",
            "sso_choose",
            "sso_start",
            "sso_callback",
            "sso_refused",
            "second_factor_manage",
            "second_factor_verify",
            "second_factor_set_up",
            "second_factor_backup_codes",
            "second_factor_new_backup_codes",
            "second_factor_key_remove",
            "credential-registration-begin",
            "credential-registration-complete",
            "credential-authentication-begin",
            "credential-authentication-complete",
            "js-i18n-catalog",
            "notification_email_preference",
        ),
        "one person's own account: nothing in it grows with the authority",
    ),
    **dict.fromkeys(
        (
            "person_set_active",
            "person_invitation_resend",
            "teacher_approve",
            "teacher_approval_withdraw",
            "person_second_factor_reset",
            "sensitive_action_undo",
            "delegation_revoke",
            "section_autosave",
            "section_complete",
            "pep_mark_ready",
            "pep_submit",
            "meeting_cancel",
            "qa_training_resolve",
            "notification_read",
            "calendar_period_delete",
        ),
        "an action (POST): the page it returns to is budgeted",
    ),
    **dict.fromkeys(
        (
            "person_invite",
            "child_register",
            "attachment_upload",
            "meeting_arrange",
            "meeting_record_step",
            "pp_request_raise",
            "calendar_upload",
            "calendar_rules_edit",
            "calendar_deadline_check",
            "calendar_period_add",
            "calendar_period_edit",
            "calendar_school_period_add",
            "qa_moderate",
            "imported_record_correct",
            "outcomes_attainment",
            "outcomes_attainment_confirm",
            "outcomes_attendance",
            "outcomes_exclusion",
            "outcomes_part_time_add",
            "outcomes_part_time_edit",
            "outcomes_missing_add",
            "outcomes_missing_edit",
            "setting_add",
            "setting_edit",
            "advice_add",
            "advice_detail",
        ),
        "a form about one thing (its choices are the budgeted lists' own)",
    ),
    **dict.fromkeys(
        (
            "sensitive_actions",
            "calendar_school_year",
            "calendar_school_export",
        ),
        "a school's or an operator's page, the same at any size of authority",
    ),
    **dict.fromkeys(
        (
            "roll_preview",
            "mis_upload",
            "mis_preview",
            "attachment_download",
            "pep_pdf",
            "pep_pdf_bulk_job",
            "pep_pdf_bulk_progress",
            "pep_pdf_bulk_download",
            "subject_access_start",
            "subject_access_job",
            "subject_access_progress",
            "subject_access_download",
        ),
        "a file or a file job: timed by `make bench`, not a page",
    ),
    **dict.fromkeys(("healthz", "readyz"), "a probe: no user, no data"),
}


def _url_names() -> set[str]:
    def walk(patterns: list[Any]) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "app_name", None) == "admin":
                    continue  # Django's admin: operators only
                names |= walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)
        return names

    return walk(get_resolver().url_patterns)


def test_every_url_is_budgeted() -> None:
    names = _url_names()
    unlisted = names - PAGES.keys() - NOT_PAGES.keys()
    assert not unlisted, f"add these to PAGES (or NOT_PAGES, with the reason): {sorted(unlisted)}"
    assert not (PAGES.keys() & NOT_PAGES.keys())
    assert not (PAGES.keys() | NOT_PAGES.keys()) - names, "a listed URL no longer exists"


def _world() -> World:
    children = list(Child.objects.filter(authority__slug="bulk-1").order_by("pk"))

    def this_term(child: Child) -> Pep:
        pep = Pep.objects.filter(child=child).order_by("-academic_year", "-pk").first()
        assert pep is not None
        return pep

    # The seed's cycle: the third child's PEP is ready for its meeting (arranged), the
    # fifth's submitted; the third has a carer and a school place.
    child, current, submitted = children[2], this_term(children[2]), this_term(children[4])
    assert (current.status, submitted.status) == (
        PepStatus.READY_FOR_MEETING,
        PepStatus.SUBMITTED,
    )
    peps = Pep.objects.filter(child=child)
    meeting = Meeting.objects.filter(pep__child=child, status=MeetingStatus.HELD).first()
    pp_request = PpRequest.objects.filter(
        child__authority__slug="bulk-1", status=PpStatus.REQUESTED
    ).first()
    assert meeting is not None and pp_request is not None
    school = Enrolment.objects.get(child=child, ended_on__isnull=True).school
    carer = User.objects.get(placements__child=child, placements__ended_on__isnull=True)
    return World(
        head=User.objects.get(email="head.1@bulk-1.example"),
        social_worker=child.social_worker,  # type: ignore[arg-type]
        teacher=User.objects.get(school=school, email__startswith="teacher."),
        carer=carer,
        child=child,
        pep=current,
        signed_off=peps.filter(status=PepStatus.SIGNED_OFF).first(),  # type: ignore[arg-type]
        submitted=submitted,
        meeting=meeting,
        pp_request=pp_request,
        urn=school.urn,
        year=current.academic_year,
    )


def _visits(world: World) -> list[tuple[str, str, str]]:
    """(label, who, url) of every budgeted page."""
    visits = []
    for name, (who, args, query) in PAGES.items():
        visits.append((name, who, reverse(name, args=args(world)) + query))
    for who in ROLE_HOMES:
        visits.append((f"home as {who}", who, reverse("home")))
    return visits


def _count(
    clients: dict[str, Client], visits: list[tuple[str, str, str]], *, warm: bool = False
) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for label, who, url in visits:
        if warm:  # once first: per-process caches (rule sets, templates) warm
            clients[who].get(url)
        with CaptureQueriesContext(connection) as queries:
            response = clients[who].get(url)
            if response.streaming:  # a streamed CSV reads its rows as it is sent
                b"".join(response.streaming_content)
        counts[label] = (response.status_code, len(queries))
    return counts


def _clients(world: World) -> dict[str, Client]:
    clients = {}
    for who in ("head", "social_worker", "teacher", "carer"):
        client = Client()
        client.force_login(getattr(world, who))
        clients[who] = client
    return clients


@pytest.mark.django_db
def test_no_page_makes_more_queries_when_the_authority_grows_tenfold() -> None:
    _seed(SMALL)
    world = _world()
    clients = _clients(world)
    visits = _visits(world)
    small = _count(clients, visits, warm=True)
    assert {label: status for label, (status, _) in small.items() if status != 200} == {}
    _seed(10 * SMALL)  # the same authority, ten times the children
    large = _count(clients, visits)
    grew = {label: (small[label], large[label]) for label in small if small[label] != large[label]}
    assert grew == {}, "queries (status, count) at 7 and at 70 children differ"


@pytest.mark.django_db
def test_the_audit_trail_makes_the_same_queries_with_50_changes() -> None:
    _seed(SMALL)
    world = _world()
    client = _clients(world)["head"]
    url = reverse("child_audit", args=[world.child.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    child = Child.objects.get(pk=world.child.pk)
    for n in range(50):  # fifty changes, each kept in the child's history
        child.preferred_name = f"Name {n}"
        child.save()
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)
    # The changes are there, each diffed against the one before it.
    assert "“Name 48” → “Name 49”" in response.content.decode()
