"""Every page's <title>, site-wide: each persona's crawl (tests/portal/crawl.py, one address per
URL pattern and object) and a signed-out crawl, with the error pages. Two different pages (a
different URL pattern, or the same pattern about a different object) never share a title; a
page about one child, or one child's PEP, meeting, section or request, names the child; a page
of a long list says which page it is; a page showing an error summary starts "Error: "."""

import datetime as dt
import html
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from children.models import AdviceRequest, Child
from children.services import advice_request_log, care_team_allocate, delegation_grant
from meetings.models import Meeting
from pep_portal.filejobs.models import FileJob, FileJobKind
from peps.models import Pep, Term
from peps.services import pep_record_meeting_held, pep_set_up, pep_sign_off, pep_submit
from pupil_premium.models import PpRequest
from tests.children.fixtures import register
from tests.factories import PASSWORD
from tests.peps.fixtures import PepSetting, everything_done
from tests.portal.crawl import Offer, PageKey, crawl, page_key
from tests.portal.test_only_actions_you_may_take import PERSONA_KINDS, held  # noqa: F401
from tests.security import world

# Which child a page is about, by URL pattern: the argument naming its object, and the name of
# that object's child. Written by hand from urls.py; every crawled page with arguments must be
# listed here or in NOT_ABOUT_A_CHILD, so a new page needs a decision.
Named = Callable[[str], str]
CHILD: Named = lambda pk: Child.objects.get(pk=pk).display_name  # noqa: E731
PEP: Named = lambda pk: Pep.objects.get(pk=pk).child.display_name  # noqa: E731
MEETING: Named = lambda pk: Meeting.objects.get(pk=pk).pep.child.display_name  # noqa: E731
PP_REQUEST: Named = lambda pk: PpRequest.objects.get(pk=pk).child.display_name  # noqa: E731
# A previously looked-after child is named as the person asking named them.
ADVICE: Named = lambda pk: AdviceRequest.objects.get(pk=pk).child_name  # noqa: E731
EXPORT: Named = lambda job: CHILD(FileJob.objects.get(pk=job).params["child_id"])  # noqa: E731
ABOUT_A_CHILD: dict[str, tuple[str, Named]] = {
    "child_detail": ("pk", CHILD),
    "child_edit": ("pk", CHILD),
    "placement_change": ("pk", CHILD),
    "school_move": ("pk", CHILD),
    "care_leave": ("pk", CHILD),
    "care_team_allocate": ("pk", CHILD),
    "delegation_grant": ("pk", CHILD),
    "child_audit": ("pk", CHILD),
    "imported_record_correct": ("pk", CHILD),
    "subject_access_start": ("pk", CHILD),
    "pep_set_up": ("child_pk", CHILD),
    "target_tracker": ("child_pk", CHILD),
    "outcomes_attendance": ("child_pk", CHILD),
    "outcomes_attainment": ("child_pk", CHILD),
    "outcomes_attainment_confirm": ("child_pk", CHILD),
    "outcomes_exclusion": ("child_pk", CHILD),
    "outcomes_part_time_add": ("child_pk", CHILD),
    "outcomes_part_time_edit": ("child_pk", CHILD),
    "outcomes_missing_add": ("child_pk", CHILD),
    "outcomes_missing_edit": ("child_pk", CHILD),
    "pep_detail": ("pk", PEP),
    "pep_signed_off": ("pk", PEP),
    "section_edit": ("pk", PEP),
    "pep_submit": ("pk", PEP),
    "pep_mark_ready": ("pk", PEP),
    "attachment_upload": ("pk", PEP),
    "meeting_arrange": ("pep_pk", PEP),
    "qa_review": ("pep_pk", PEP),
    "qa_moderate": ("pep_pk", PEP),
    "pp_request_raise": ("pep_pk", PEP),
    "meeting_detail": ("pk", MEETING),
    "meeting_record": ("pk", MEETING),
    "meeting_record_step": ("pk", MEETING),
    "meeting_cancel": ("pk", MEETING),
    "pp_request_decide": ("pk", PP_REQUEST),
    "advice_detail": ("pk", ADVICE),
    "pep_pdf_bulk_job": ("pep_id", PEP),  # one PEP's PDF (see the_page)
    "subject_access_job": ("job_id", EXPORT),
}
NOT_ABOUT_A_CHILD = {
    "work_list",  # a kind of work, across children
    "person_detail",
    "teacher_approvals",
    "calendar_year",
    "calendar_school_year",
    "calendar_period_add",
    "calendar_school_period_add",
    "calendar_period_edit",
    "setting_edit",
    "roll_preview",
    "mis_preview",
}
# Every list a persona may page through, shrunk to one row a page so two rows make two pages.
PAGE_SIZES = [
    ("children.views", "PAGE_SIZE"),
    ("children.views", "AUDIT_PAGE_SIZE"),
    ("pupil_premium.views", "PAGE_SIZE"),
    ("dashboards.work", "PER_PAGE"),
    ("quality_assurance.views", "QUEUE_PAGE_SIZE"),
    ("pep_portal.audit_search.views", "PAGE_SIZE"),
    ("pep_portal.accounts.views", "PEOPLE_PAGE_SIZE"),
    ("pep_portal.notifications.views", "PAGE_SIZE"),
]


def the_page(key: PageKey) -> PageKey:
    """One PEP's PDF is one page whoever asked for it and however often (each asking is a job
    of its own): its object is the PEP. A ZIP of PDFs is its job. Recording a meeting opens
    on its first step."""
    name, arguments, number = key
    if name == "meeting_record":
        return "meeting_record_step", (*arguments, ("step", "attendance")), number
    if name == "pep_pdf_bulk_job":
        job = FileJob.objects.get(pk=dict(arguments)["job_id"])
        if job.kind == FileJobKind.PEP_PDF:
            return name, (("pep_id", str(job.params["pep_id"])),), number
    return key


def title_of(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, "no <title>"
    return " ".join(html.unescape(found.group(1)).split())


def page_of_list(url: str, page: str) -> tuple[int, int] | None:
    """(N, M) for a page of a list: N from the address asked for, M from the list's own
    pagination ("N of M"), or None if the page has no pagination."""
    nav = re.search(r'<nav class="govuk-pagination".*?</nav>', page, re.S)
    if nav is None:
        return None
    asked = re.search(r"[?&]page=(\d+)", url)
    shown = re.search(r"(\d+) of (\d+)", re.sub(r"<[^>]+>", "", nav.group(0)))
    assert shown, f"{url}: pagination without “N of M”"
    return int(asked.group(1)) if asked else 1, int(shown.group(2))


@dataclass
class Seen:
    """Every page answered 200 with HTML: its key, an address of it and its title."""

    titles: dict[PageKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    addresses: dict[PageKey, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __call__(self, offer: Offer, path: str, response: HttpResponse) -> None:
        if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
            return
        if response.status_code != 200:
            return
        page = response.content.decode()
        title = title_of(page)
        if "govuk-error-summary" in page and not title.startswith("Error: "):
            self.problems.append(f"{offer.method} {path}: an error summary, titled “{title}”")
        if offer.method != "GET":
            return
        key = page_key(path)
        assert key is not None
        key = the_page(key)
        self.titles[key].add(title)
        self.addresses.setdefault(key, path)
        listed = page_of_list(path, page)
        if listed is not None:
            number, of = listed
            if f"(page {number} of {of})" not in title:
                self.problems.append(f"{path}: page {number} of {of}, titled “{title}”")

    def visit(self, client: Client, path: str) -> None:
        """A page the crawl does not reach by a link (the sign-in's second step)."""
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        self(Offer("GET", path, "(visited)", "(visited)"), path, response)

    def error_page(self, client: Client, path: str, status: int) -> None:
        """The page shown instead of `path`, refused or not found: a page of its own."""
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        key: PageKey = (f"(error {status})", (), 1)
        self.titles[key].add(title_of(response.content.decode()))
        self.addresses.setdefault(key, path)


def shared_titles(seen: Seen) -> dict[str, list[str]]:
    """Titles worn by more than one page: title -> the addresses of the pages."""
    by_title: dict[str, set[PageKey]] = defaultdict(set)
    for key, titles in seen.titles.items():
        for title in titles:
            by_title[title].add(key)
    return {
        title: sorted(seen.addresses[k] for k in keys)
        for title, keys in sorted(by_title.items())
        if len(keys) > 1
    }


def without_the_childs_name(seen: Seen) -> list[str]:
    missing = []
    for key, titles in seen.titles.items():
        name, arguments, _ = key
        if not arguments:
            continue
        assert name in ABOUT_A_CHILD or name in NOT_ABOUT_A_CHILD, (
            f"{name} ({seen.addresses[key]}): is it about one child? Add it to the lists above"
        )
        if name not in ABOUT_A_CHILD:
            continue
        argument, name_of = ABOUT_A_CHILD[name]
        if argument not in dict(arguments):  # a ZIP of a school's PEPs (the_page)
            continue
        childs_name = name_of(dict(arguments)[argument])
        missing += [
            f"{seen.addresses[key]}: “{t}” leaves out {childs_name}"
            for t in titles
            if childs_name not in t
        ]
    return missing


@dataclass
class TwoChildren:
    zara: Child
    omar: Child
    held: Any  # Zara's objects (tests/security/world.py), her meeting held yesterday
    signed_off: Pep  # Omar's initial PEP
    zaras_spring: Pep  # a second PEP of Zara's, open as her Autumn PEP is


@pytest.fixture
def two_children(personas, pep_setting, held) -> TwoChildren:  # type: ignore[no-untyped-def]  # noqa: F811
    """Zara's Autumn PEP with a meeting held yesterday and her Spring PEP set up; Omar's
    initial PEP signed off and his Spring PEP submitted for quality assurance. Both children in
    the same care team, so each persona meets the same pages about two children, and about
    two PEPs of one child."""
    school = personas.designated_teacher.school
    omar = register(personas, school=school, name="Omar")
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=omar,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=personas.independent_reviewing_officer,
    )
    delegation_grant(
        actor=personas.designated_teacher, child=omar, delegate=personas.delegated_school_staff
    )
    initial = Pep.objects.get(child=omar, term=Term.INITIAL)
    everything_done(personas, PepSetting(child=omar, pep=initial))
    pep_record_meeting_held(
        actor=personas.social_worker, pep=initial, held_on=dt.date(2026, 11, 20)
    )
    pep_submit(actor=personas.social_worker, pep=initial)
    pep_sign_off(actor=personas.virtual_school_staff, pep=initial)
    spring = pep_set_up(
        actor=personas.virtual_school_staff, child=omar, academic_year=2026, term=Term.SPRING
    )
    world._meeting(spring, personas.social_worker)
    world._pp_request(spring, personas.designated_teacher)
    everything_done(personas, PepSetting(child=omar, pep=spring))
    pep_record_meeting_held(actor=personas.social_worker, pep=spring, held_on=dt.date(2026, 11, 23))
    pep_submit(actor=personas.social_worker, pep=spring)
    advice_request_log(
        actor=personas.virtual_school_staff,
        values={
            "child_name": "Pat Adopted",
            "received_on": dt.date(2026, 10, 1),
            "requester_kind": "parent",
            "requester_name": "Morgan Adopter",
            "topic": "other",
            "question": "Can the school use Pupil Premium Plus for a tutor?",
        },
    )
    zaras_spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    return TwoChildren(
        zara=pep_setting.child,
        omar=omar,
        held=held,
        signed_off=initial,
        zaras_spring=zaras_spring,
    )


@pytest.fixture
def one_row_a_page(monkeypatch):  # type: ignore[no-untyped-def]
    import importlib

    for module, name in PAGE_SIZES:
        monkeypatch.setattr(importlib.import_module(module), name, 1)


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def crawl_everything(personas: Any, zaras: Any, signed_off: Pep) -> Seen:
    seen = Seen()
    for name in [*PERSONA_KINDS]:
        client = _signed_in(getattr(personas, name))
        started = time.monotonic()
        found = crawl(client, limit=2000, by_object=True, seen=seen)
        took = time.monotonic() - started
        print(f"\n{name}: {found.checked} tried, {len(found.pages)} patterns in {took:.1f} s")
        assert found.left == 0, f"{name}: the crawl stopped short"
    # The error pages, signed in: a child not there, and a page refused.
    client = _signed_in(personas.carer)
    seen.error_page(client, reverse("child_detail", args=[999_999]), 404)
    seen.error_page(client, reverse("calendar_home"), 403)
    # Signed out: from the sign-in page, every page offered (the legal pages, resetting a
    # password), and the two-step sign-in's second step.
    crawl(Client(), start=reverse("login"), by_object=True, seen=seen)
    client = Client()
    password = {"username": personas.carer.email, "password": PASSWORD}
    signed_in = client.post(reverse("login"), password)
    assert signed_in.status_code == 302, "the password was not taken"
    seen.visit(client, reverse("second_factor_verify"))
    # Asked again before a change that matters (pep_portal.security.signin).
    seen.visit(_signed_in(personas.carer), reverse("confirm_identity"))
    # The steps of recording Zara's meeting (held yesterday; each is reached by a POST of the
    # one before; no last term's targets to review in her first PEP; checking the answers
    # needs them given), and Omar's PEP as signed off.
    social_worker = _signed_in(personas.social_worker)
    for step in ("attendance", "discussion", "targets", "actions", "next-meeting"):
        seen.visit(social_worker, reverse("meeting_record_step", args=[zaras.meeting.pk, step]))
    seen.visit(social_worker, reverse("pep_signed_off", args=[signed_off.pk]))
    return seen


def test_every_page_has_a_title_of_its_own(personas, two_children, one_row_a_page):  # type: ignore[no-untyped-def]
    started, cpu = time.monotonic(), time.process_time()
    seen = crawl_everything(personas, two_children.held, two_children.signed_off)
    took, cpu = time.monotonic() - started, time.process_time() - cpu
    shared = shared_titles(seen)
    print(f"\n{len(seen.titles)} pages in {took:.1f} s ({cpu:.1f} s of this process's CPU)")
    print(f"{len(shared)} titles shared; URL patterns: {sorted({k[0] for k in seen.titles})}")
    for title, addresses in shared.items():
        print(f"  “{title}”: {', '.join(addresses)}")
    # The crawl reached the pages it is about: both children's pages and a second page of a list.
    for child in (two_children.zara, two_children.omar):
        assert ("child_detail", (("pk", str(child.pk)),), 1) in seen.titles
    assert ("child_list", (), 2) in seen.titles
    sections_of = {
        dict(arguments)["pk"] for name, arguments, _ in seen.titles if name == "section_edit"
    }
    assert {str(two_children.held.pep.pk), str(two_children.zaras_spring.pk)} <= sections_of
    missing = without_the_childs_name(seen)
    for problem in [*missing, *seen.problems]:
        print(f"  {problem}")
    assert shared == {}, "\n".join(f"“{t}”: {', '.join(a)}" for t, a in shared.items())
    assert missing == [], "\n".join(missing)
    assert seen.problems == [], "\n".join(seen.problems)
