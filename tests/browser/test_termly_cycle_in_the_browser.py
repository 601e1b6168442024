"""A whole termly PEP, from set-up to sign-off, walked in Chromium as every role through the
pages alone (clicks and typing; nothing is called behind the pages once the child is on the
portal), under the real Content-Security-Policy. Every page any of them loads is checked by
axe at every level of impact; a count of the pages loaded against the pages checked proves
none was skipped.

The cycle: the virtual school sets up the term's PEP; the social worker arranges the meeting;
the designated teacher completes the school's sections (asking for Pupil Premium Plus) and
marks the PEP ready; the social worker completes the care information and the child's views;
the carer adds their contribution; the meeting is recorded step by step; the social worker
submits; the virtual school returns it with feedback; the social worker changes what was asked
and resubmits; the virtual school signs it off and decides the Pupil Premium Plus request; then
each person's notifications say what happened to them."""

import datetime as dt
import time
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from children.models import Child, LegalStatus, PlacementType
from children.school_year import PepTemplate
from children.services import care_team_allocate, child_register, delegation_grant
from outcomes.models import AttainmentRecord, TermAttendance
from outcomes.scales import KeyStage
from outcomes.selectors import pep_term
from outcomes.services import attainment_save, attendance_save, key_stage_for_term
from pep_portal.calendars.deadlines import academic_year_of, financial_year_of
from pep_portal.calendars.demo import seed_demo_calendars
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import Pep, PepStatus
from peps.sections import SECTIONS_BY_KEY, Kind
from pupil_premium.models import PpRequest, PpStatus
from pupil_premium.services import pp_allocation_set
from tests.browser.conftest import accessibility_violations
from tests.factories import PASSWORD
from tests.second_factor import backup_code_for

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

CHILD = "Chloe O'Neill"
# Counts pages as the browser finishes loading them, and marks each document axe has checked
# (a mark lives only as long as its document: a new page starts unmarked).
CHECKED_MARK = "window.__axeChecked"


@dataclass
class Walk:
    """Everyone's browser, each signed in through the real pages; every page checked."""

    browser: object
    base_url: str
    loads: int = 0
    checked: int = 0
    axe_seconds: float = 0.0
    violations: dict[str, list[str]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    contexts: list[object] = field(default_factory=list)

    def open_as(self, user):  # type: ignore[no-untyped-def]
        page = self.open()
        sign_in_checked(self, page, user.email)
        return page

    def open(self):  # type: ignore[no-untyped-def]
        """A browser of its own, whose every page load is counted."""
        context = self.browser.new_context(base_url=self.base_url)  # type: ignore[attr-defined]
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("load", self._loaded)
        page.on("console", self._watch)
        original_goto = page.goto

        def goto(url: str, **kwargs):  # type: ignore[no-untyped-def]
            response = original_goto(url, **kwargs)
            self.look(page)
            return response

        page.goto = goto  # every page opened by address is checked as it arrives
        return page

    def _loaded(self, page) -> None:  # type: ignore[no-untyped-def]
        self.loads += 1

    def _watch(self, message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.refused.append(message.text)

    def look(self, page) -> None:  # type: ignore[no-untyped-def]
        """axe on the page just loaded, at every impact; each document once."""
        page.wait_for_load_state("load")
        assert not page.evaluate(CHECKED_MARK + " === true"), f"{page.url} checked twice"
        before = time.monotonic()
        found = accessibility_violations(page)
        self.axe_seconds += time.monotonic() - before
        if found:
            self.violations[f"{page.url} ({page.title()})"] = found
        page.evaluate(CHECKED_MARK + " = true")
        self.checked += 1

    def click(self, page, target) -> None:  # type: ignore[no-untyped-def]
        """Click a link or button that leads to another page, and check that page."""
        with page.expect_navigation():
            target.click()
        self.look(page)

    def close(self) -> None:
        for context in self.contexts:
            context.close()  # type: ignore[attr-defined]


def sign_in_checked(walk: Walk, page, email: str) -> None:  # type: ignore[no-untyped-def]
    """conftest.sign_in, with each of its pages (sign-in, second factor, home) checked."""
    before = walk.loads
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    code = backup_code_for(email)
    walk.click(page, page.get_by_role("button", name="Sign in"))
    if "/account/two-factor/verify/" in page.url:
        page.get_by_label("Security code").fill(code)
        walk.click(page, page.get_by_role("button", name="Continue"))
    assert walk.loads > before


def confirm_records(walk: "Walk", page, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The attendance a school's data file filled in, confirmed by saving it; the attainment
    confirmed as recorded (each a page of its own, and back to the section)."""
    if "attendance" in names:
        walk.click(page, page.locator("#change-attendance"))
        walk.click(page, page.get_by_role("button", name="Save attendance"))
    if "attainment" in names:
        walk.click(page, page.locator("#confirm-attainment"))


def answer(walk: "Walk", page, key: str, template: PepTemplate, **chosen: str) -> None:  # type: ignore[no-untyped-def]
    """Type an answer to every question of a section, as a person would: text in the boxes,
    a radio button clicked, a date's day, month and year. `chosen` picks a radio's value.
    Questions answered by the term's records first (each is a page of its own, and back):
    the attendance a school's data file filled in, confirmed by saving it; the attainment
    confirmed as recorded. Suspensions and part-time timetables are asked only after a Yes."""
    fields = SECTIONS_BY_KEY[key].fields_for(template)
    confirm_records(walk, page, [spec.name for spec in fields if spec.kind == Kind.RECORDS])
    for spec in fields:
        if spec.kind == Kind.RECORDS:
            continue
        box = page.locator(f"[name={spec.name}]")
        if spec.kind in (Kind.YES_NO, Kind.CHOICE):
            value = chosen.get(spec.name, "yes" if spec.kind == Kind.YES_NO else None)
            if value is None:
                value = spec.choices[0][0]
            page.locator(f"input[name={spec.name}][value={value}]").check()
        elif spec.kind == Kind.NUMBER:
            box.fill(chosen.get(spec.name, str(int(spec.minimum or 0) + 1)))
        elif spec.kind == Kind.DATE:
            if spec.required_if is None or chosen.get(spec.required_if[0]) == spec.required_if[1]:
                for part, value in enumerate(("15", "1", "2027")):
                    page.locator(f"[name={spec.name}_{part}]").fill(value)
        else:
            box.fill(chosen.get(spec.name, f"{spec.label}: written in the browser"))


def complete_section(walk: Walk, page, pep: Pep, key: str, **chosen: str) -> None:  # type: ignore[no-untyped-def]
    """From the PEP page: open the section, answer it, save, then mark it complete."""
    title = SECTIONS_BY_KEY[key].title
    walk.click(page, page.locator(f"#task-{key}").get_by_role("link", name=title))
    answer(walk, page, key, PepTemplate(pep.template), **chosen)
    walk.click(page, page.get_by_role("button", name="Save", exact=True))
    says(page, f"“{title}” has been saved")
    details = page.locator(f"#section-{key}")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()  # open the section's answers
    walk.click(page, details.get_by_role("button", name="Mark complete"))
    says(page, f"“{title}” is complete")
    assert page.locator(f"#{key}-status").inner_text().strip() == "Completed"


@pytest.fixture
def chloe(personas) -> Child:  # type: ignore[no-untyped-def]
    """Chloe, in care since 2024 (her initial PEP long done, before the portal), at Dee
    Teacher's school (who has asked Sen Co to help with her PEPs), placed with Carol Carer,
    allocated to Alice Social, Vic School and Ivy Reviewer; Northam under Medway's rules with
    this year's and next year's term dates, and this financial year's PP+ allocation."""
    today = timezone.localdate()
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    seed_demo_calendars(personas.authority, today=today)
    pp_allocation_set(
        actor=personas.virtual_school_administrator,
        authority=personas.authority,
        financial_year=financial_year_of(today).start_year,
        amount_per_child="2570",
    )
    first, last = CHILD.split(" ")
    child = child_register(
        actor=personas.virtual_school_staff,
        details={
            "legal_first_name": first,
            "legal_last_name": last,
            "date_of_birth": dt.date(academic_year_of(today) - 11, 5, 5),  # Year 7
            "gender": "female",
        },
        entered_care_on=dt.date(2024, 3, 4),
        emergency_placement=False,
        legal_status=LegalStatus.CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[personas.carer],
        school=personas.designated_teacher.school,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        initial_pep=False,
    )
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=child,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=personas.independent_reviewing_officer,
    )
    delegation_grant(
        actor=personas.designated_teacher, child=child, delegate=personas.delegated_school_staff
    )
    return child


def test_a_termly_pep_from_set_up_to_sign_off_as_every_role(  # type: ignore[no-untyped-def]
    browser, live_server, personas, chloe
):
    started = time.monotonic()
    today = timezone.localdate()
    walk = Walk(browser, live_server.url)
    vic = walk.open_as(personas.virtual_school_staff)
    alice = walk.open_as(personas.social_worker)
    dee = walk.open_as(personas.designated_teacher)
    carol = walk.open_as(personas.carer)
    sen = walk.open_as(personas.delegated_school_staff)
    ivy = walk.open_as(personas.independent_reviewing_officer)

    # --- The virtual school sets up this term's PEP --------------------------------------
    walk.click(vic, vic.get_by_role("link", name="Children").first)
    walk.click(vic, vic.get_by_role("link", name=CHILD))
    walk.click(vic, vic.get_by_role("link", name="Set up a PEP"))
    term = "Autumn" if today.month >= 9 else "Spring" if today.month <= 3 else "Summer"
    vic.get_by_label(term, exact=True).check()
    vic.get_by_label("School year starting in").fill(str(academic_year_of(today)))
    walk.click(vic, vic.get_by_role("button", name="Set up PEP"))
    pep = Pep.objects.get(child=chloe)
    assert vic.get_by_role("heading", name=pep.title).is_visible()
    pep_url = f"/peps/{pep.pk}/"

    # --- The social worker arranges the meeting, today at 09:00 ---------------------------
    alice.goto(pep_url)
    walk.click(alice, alice.get_by_role("button", name="Arrange the meeting"))
    alice.locator("#id_day_0").fill(str(today.day))
    alice.locator("#id_day_1").fill(str(today.month))
    alice.locator("#id_day_2").fill(str(today.year))
    alice.get_by_label("Start time").fill("09:00")
    walk.click(alice, alice.get_by_role("button", name="Arrange meeting"))
    says(alice, "The meeting has been arranged")

    # --- The school: Sen Co the attendance, the designated teacher the rest and PP+ -------
    # The school's data file (as outcomes.mis leaves it): this term's attendance and
    # attainment, waiting for the school to confirm them in the PEP.
    which = pep_term(pep)
    assert which is not None
    year, term = which
    attendance_save(
        actor=None,
        child=chloe,
        academic_year=year,
        term=term,
        possible=120,
        present=114,
        authorised=4,
        unauthorised=2,
    )
    stage = key_stage_for_term(chloe, year)
    assert stage == KeyStage.KS3  # Year 7: eleven on 1 September
    for subject in ("english", "maths", "science"):
        attainment_save(
            actor=None,
            child=chloe,
            academic_year=year,
            term=term,
            key_stage=stage,
            subject=subject,
            values={"band": "at", "school_grade": "Secure 6"},
        )
    TermAttendance.objects.filter(child=chloe).update(confirmed=False)
    AttainmentRecord.objects.filter(child=chloe).update(confirmed=False)
    sen.goto(pep_url)
    complete_section(
        walk, sen, pep, "attendance", suspended_or_excluded="no", part_time_timetable="no"
    )
    dee.goto(pep_url)
    for key in ("learning_history", "current_attainment", "additional_needs", "teacher_comments"):
        complete_section(walk, dee, pep, key, sen_status="none")
    complete_section(
        walk, dee, pep, "pupil_premium", pp_amount="400", pp_target="Reading age up a year"
    )

    # --- The social worker: the care information and the child's views --------------------
    alice.goto(pep_url)
    complete_section(walk, alice, pep, "care_information")
    complete_section(walk, alice, pep, "child_voice")

    # --- The designated teacher marks the PEP ready for the meeting ----------------------
    dee.goto(pep_url)
    walk.click(dee, dee.get_by_role("button", name="Mark ready for the meeting"))
    says(dee, "The PEP is ready for the meeting")

    # --- The carer reads the PEP and adds their contribution -------------------------------
    carol.goto(pep_url)
    assert carol.locator("#care_information-hint").inner_text().count("read only") == 1
    complete_section(walk, carol, pep, "carer_contribution")

    # --- The meeting is recorded through its steps -----------------------------------------
    alice.goto(pep_url)
    walk.click(alice, alice.get_by_role("button", name="Record the meeting"))
    alice.locator("#id_held_on_0").fill(str(today.day))
    alice.locator("#id_held_on_1").fill(str(today.month))
    alice.locator("#id_held_on_2").fill(str(today.year))
    for came in alice.locator("input[type=radio][name^=came_][value=yes]").all():
        came.check()
    walk.click(alice, alice.get_by_role("button", name="Continue"))
    alice.get_by_label("What was discussed").fill("Settled at home; reading is improving.")
    walk.click(alice, alice.get_by_role("button", name="Continue"))
    due = today + dt.timedelta(days=90)
    alice.locator("#id_target_1_what").fill("Read a chapter book each fortnight")
    alice.locator("#id_target_1_measure").fill("Reading log")
    alice.locator("#id_target_1_responsible").fill("Class teacher")
    for part, value in enumerate((due.day, due.month, due.year)):
        alice.locator(f"#id_target_1_due_on_{part}").fill(str(value))
    walk.click(alice, alice.get_by_role("button", name="Continue"))
    alice.get_by_role("heading", name="Actions").wait_for()
    walk.click(alice, alice.get_by_role("button", name="Continue"))
    next_on = today + dt.timedelta(days=100)
    for part, value in enumerate((next_on.day, next_on.month, next_on.year)):
        alice.locator(f"#id_next_meeting_on_{part}").fill(str(value))
    walk.click(alice, alice.get_by_role("button", name="Continue"))
    alice.get_by_role("heading", name="Check your answers before recording the meeting").wait_for()
    walk.click(alice, alice.get_by_role("button", name="Record meeting"))
    says(alice, "The meeting has been recorded")

    # --- The social worker submits, after checking ----------------------------------------
    walk.click(alice, alice.get_by_role("button", name="Submit for quality assurance"))
    assert alice.get_by_role("heading", name="Check the PEP before you submit it").is_visible()
    walk.click(alice, alice.get_by_role("button", name="Submit for quality assurance"))
    says(alice, "The PEP has been submitted to the virtual school")

    # --- The virtual school returns it with feedback ---------------------------------------
    walk.click(vic, vic.get_by_role("link", name="Quality assurance").first)
    walk.click(vic, vic.get_by_role("link", name=CHILD))  # the review's form
    rate_every_criterion(vic)
    vic.get_by_label("Feedback to the designated teacher").fill("Clear attainment picture.")
    vic.get_by_label("Feedback to the social worker").fill("Say who Chloe lives with.")
    vic.get_by_label("Return it for changes").check()
    vic.get_by_label("If returning, the changes needed").fill("Name the carers in placement.")
    walk.click(vic, vic.get_by_role("button", name="Save review"))
    says(vic, "Review saved")
    assert Pep.objects.get(pk=pep.pk).status == PepStatus.RETURNED

    # --- The social worker changes the care information and resubmits ----------------------
    alice.goto(pep_url)
    assert "Name the carers in placement." in alice.locator("#qa-feedback").inner_text()
    walk.click(alice, alice.locator("#task-care_information").get_by_role("link"))
    alice.get_by_label("Placement and who the child lives with").fill(
        "With Carol Carer, foster carer, since March 2024."
    )
    walk.click(alice, alice.get_by_role("button", name="Save", exact=True))
    walk.click(alice, alice.get_by_role("button", name="Resubmit for quality assurance"))
    walk.click(alice, alice.get_by_role("button", name="Resubmit for quality assurance"))
    says(alice, "The PEP has been submitted to the virtual school")

    # --- The virtual school signs it off ---------------------------------------------------
    vic.goto(pep_url)
    walk.click(vic, vic.get_by_role("button", name="Quality-assure: sign off or return"))
    rate_every_criterion(vic)
    vic.get_by_label("Feedback to the designated teacher").fill("Clear attainment picture.")
    vic.get_by_label("Feedback to the social worker").fill("Thank you for the changes.")
    vic.get_by_label("Sign off the PEP").check()
    walk.click(vic, vic.get_by_role("button", name="Save review"))
    assert vic.get_by_role("heading", name="Check your review before signing off").is_visible()
    walk.click(vic, vic.get_by_role("button", name="Sign off the PEP"))
    assert Pep.objects.get(pk=pep.pk).status == PepStatus.SIGNED_OFF

    # --- The virtual school decides the Pupil Premium Plus request --------------------------
    walk.click(vic, vic.get_by_role("link", name="Pupil Premium Plus").first)
    walk.click(vic, vic.get_by_role("link", name=CHILD))
    vic.get_by_label("Approve the full amount").check()
    walk.click(vic, vic.get_by_role("button", name="Save the decision"))
    assert PpRequest.objects.get().status == PpStatus.APPROVED

    # --- The IRO reads the PEP as it was signed off ----------------------------------------
    ivy.goto(pep_url)
    says(ivy, "Signed off by Vic School")
    walk.click(ivy, ivy.get_by_role("link", name="See the PEP exactly as it was signed off"))
    says(ivy, "With Carol Carer, foster carer, since March 2024.")

    # --- Each person's notifications say what happened to them -----------------------------
    title = f"{CHILD}: the {pep.title}"
    told = {
        dee: [
            f"{title} meeting is arranged",
            f"{title} was returned for changes",
            f"{title} has been signed off",
            f"{CHILD}: the Pupil Premium Plus request for £400.00 is approved",
        ],
        alice: [
            f"{title} was returned for changes",
            f"{title} has been signed off",
            f"{CHILD}: the Pupil Premium Plus request for £400.00 is approved",
        ],
        sen: [
            f"Dee Teacher has asked you to work on {CHILD}'s PEPs",
            f"{title} was returned for changes",
            f"{title} has been signed off",
        ],
        carol: [f"{title} meeting is arranged"],
        ivy: [f"{title} has been signed off"],  # IROs read the PEP; not core attendees
        vic: [f"{title} meeting is arranged"],
    }
    for page, messages in told.items():
        page.goto("/")
        walk.click(page, page.locator("#notifications-link"))
        shown = page.locator("main").inner_text()
        for message in messages:
            assert message in shown, (page.url, message, shown)

    walk.close()
    assert walk.refused == [], f"blocked by the Content-Security-Policy: {walk.refused}"
    assert walk.violations == {}, "\n".join(f"{w}: {v}" for w, v in walk.violations.items())
    # Every page loaded in any browser was checked by axe, each once.
    assert walk.checked == walk.loads and walk.loads > 60, (walk.checked, walk.loads)
    print(
        f"\nTermly cycle: {walk.loads} pages in {time.monotonic() - started:.1f}s, "
        f"of which axe {walk.axe_seconds:.1f}s"
    )


def says(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """The page shows `text` (else the failure shows what the page said instead)."""
    assert page.get_by_text(text).first.is_visible(), page.locator("main").inner_text()[:2000]


def rate_every_criterion(page) -> None:  # type: ignore[no-untyped-def]
    """The checklist: the first rating (the best) for every criterion and overall."""
    names = page.locator("input[type=radio][name^=criterion_]").evaluate_all(
        "inputs => [...new Set(inputs.map(i => i.name))]"
    )
    for name in [*names, "overall"]:
        page.locator(f"input[type=radio][name={name}]").first.check()


def test_the_walk_notices_a_page_nobody_checked(browser, live_server):  # type: ignore[no-untyped-def]
    # Guards the guard: a page loaded but never checked, or checked twice, must show.
    walk = Walk(browser, live_server.url)
    page = walk.open()
    page.goto("/accessibility/")
    walk.click(page, page.get_by_role("link", name="Cookies").first)
    assert (walk.loads, walk.checked) == (2, 2)
    with pytest.raises(AssertionError, match="checked twice"):
        walk.look(page)
    page.get_by_role("link", name="Privacy").first.click()  # not through walk.click
    page.wait_for_url("**/privacy/")
    page.wait_for_load_state("load")
    assert (walk.loads, walk.checked) == (3, 2)
    walk.close()
