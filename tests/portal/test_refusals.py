"""Refusals are GOV.UK error summaries on the page the person was on (pep_portal/refusals.py):
the title starts "Error: ", each reason is listed, linked to an element that exists on that
page where it can be fixed, and no notification banner is shown. The PEP page's task list
says what blocks the next step before anyone tries. Every expected reason and link is written
out here by hand."""

import ast
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, MeetingStatus
from meetings.services import meeting_arrange, meeting_cancel
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.security.models import SensitiveAction
from peps.models import Pep, PepStatus
from peps.services import pep_record_meeting_held
from pupil_premium.models import PpRequest, PpStatus
from pupil_premium.services import pp_request_decide
from tests.children.test_teacher_approval import two  # noqa: F401  (a fixture)
from tests.meetings.test_meetings import at
from tests.peps.fixtures import complete, teacher_sections_done
from tests.pupil_premium.test_pp_support import make_request, pp_setting  # noqa: F401
from tests.second_factor import sign_in_verified
from tests.security.test_separation_of_duties import head  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[2]
TEACHER_SECTIONS = [
    ("learning_history", "Learning historical record"),
    ("current_attainment", "Current levels and attainment"),
    ("attendance", "Attendance and exclusions"),
    ("additional_needs", "Additional educational needs"),
    ("teacher_comments", "Teacher comments"),
    ("pupil_premium", "Pupil Premium Plus request"),
]


class Page(HTMLParser):
    """What a test needs of a page: its title, every id, the error summaries' headings and
    (link, text) items, the notification banners, and which ids are focusable."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.ids: set[str] = set()
        self.focusable: set[str] = set()
        self.summaries: list[str] = []
        self.items: list[tuple[str, str]] = []
        self.banners: list[str] = []
        self._in: list[str] = []
        self._item: list[str] | None = None
        self._href = ""
        self._summary_depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if "id" in a:
            self.ids.add(a["id"])
            if tag in ("a", "button", "input", "select", "textarea", "summary") or "tabindex" in a:
                self.focusable.add(a["id"])
        if tag == "title":
            self._in.append("title")
        if "govuk-error-summary" in classes:
            self._summary_depth = 1
            self.summaries.append("")
        elif self._summary_depth and tag == "div":
            self._summary_depth += 1
        if "govuk-notification-banner" in classes:
            self.banners.append(" ".join(classes))
        if self._summary_depth and "govuk-error-summary__title" in classes:
            self._in.append("heading")
        if self._summary_depth and tag == "li":
            self._item, self._href = [], ""
        if self._item is not None and tag == "a":
            self._href = a.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" or (tag == "h2" and self._in and self._in[-1] == "heading"):
            self._in.pop()
        if tag == "li" and self._item is not None:
            self.items.append((self._href, " ".join("".join(self._item).split())))
            self._item = None
        if self._summary_depth and tag == "div":
            self._summary_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "title":
            self.title += data
        elif self._in and self._in[-1] == "heading":
            self.summaries[-1] += data.strip()
        elif self._item is not None:
            self._item.append(data)


def refusal_shown(response, heading: str, items: list[tuple[str, str]]) -> Page:  # type: ignore[no-untyped-def]
    """The page after a refusal: an error summary with this heading and these items, each
    link an element on the page that takes focus; "Error: " in the title; no banner."""
    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.title.startswith("Error: "), page.title
    assert heading in page.summaries, page.summaries
    assert page.items == items
    for link, _ in items:
        if link:
            assert link.startswith("#")
            assert link[1:] in page.ids, f"{link} is not on the page"
            assert link[1:] in page.focusable, f"{link} cannot take focus"
    assert page.banners == []
    return page


def test_marking_ready_too_soon_lists_each_section_and_the_task_list_said_so_first(
    client, personas, pep_setting
):
    pep = pep_setting.pep
    client.force_login(personas.designated_teacher)
    url = reverse("pep_detail", args=[pep.pk])
    # Before trying: the task list marks the seven sections Medway wants before the meeting.
    before = client.get(url).content.decode()
    needed = "Needed before the PEP can be marked ready for the meeting"
    for key, _ in [*TEACHER_SECTIONS, ("care_information", "")]:
        assert f'id="{key}-needed">{needed}</strong>' in before
    for key in ("child_voice", "carer_contribution", "historical_data"):
        assert f'id="{key}-needed"' not in before
    assert not Page(before).title.startswith("Error")

    response = client.post(reverse("pep_mark_ready", args=[pep.pk]), follow=True)
    assert response.redirect_chain == [(url, 302)]
    refusal_shown(
        response,
        "The PEP cannot be marked ready for the meeting yet",
        [
            (f"#{key}-name", f"Complete “{title}” before the meeting")
            for key, title in TEACHER_SECTIONS
        ]
        + [("#care_information-name", "Complete “Care information” before the meeting")],
    )
    assert Pep.objects.get(pk=pep.pk).status == PepStatus.DRAFT
    # Shown once: the next visit is the plain page.
    again = Page(client.get(url).content.decode())
    assert again.summaries == [] and not again.title.startswith("Error")

    teacher_sections_done(personas, pep_setting)
    response = client.post(reverse("pep_mark_ready", args=[pep.pk]), follow=True)
    # The care information is the social worker's: read-only here, still reachable.
    page = refusal_shown(
        response,
        "The PEP cannot be marked ready for the meeting yet",
        [("#care_information-name", "Complete “Care information” before the meeting")],
    )
    assert "care_information-name" in page.focusable
    complete(personas.social_worker, pep_setting.section("care_information"))
    response = client.post(reverse("pep_mark_ready", args=[pep.pk]), follow=True)
    assert "The PEP is ready for the meeting" in response.content.decode()
    assert Page(response.content.decode()).summaries == []


def test_after_the_meeting_the_task_list_says_what_submitting_waits_on(
    client, personas, pep_setting
):
    pep = pep_setting.pep
    teacher_sections_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep, held_on=dt.date(2026, 11, 10))
    client.force_login(personas.social_worker)
    html = client.get(reverse("pep_detail", args=[pep.pk])).content.decode()
    needed = "Needed before the PEP can be submitted"
    # The teacher's six are done; the social worker's two are still to do.
    for key in ("care_information", "child_voice"):
        assert f'id="{key}-needed">{needed}</strong>' in html
    assert html.count(needed) == 2
    # The designated teacher cannot submit: nothing is marked as waiting for them.
    client.force_login(personas.designated_teacher)
    assert "Needed before" not in client.get(reverse("pep_detail", args=[pep.pk])).content.decode()


def test_a_refused_attachment_is_said_beside_the_file_box(client, personas, pep_setting):
    pep = pep_setting.pep
    client.force_login(personas.social_worker)
    bad = SimpleUploadedFile("notes.pdf", b"MZ this is not a PDF", content_type="application/pdf")
    response = client.post(reverse("attachment_upload", args=[pep.pk]), {"file": bad})
    assert response.status_code == 400
    html = response.content.decode()
    page = Page(html)
    assert page.title.startswith("Error: ")
    assert [link for link, _ in page.items] == ["#id_file"]
    assert "id_file" in page.ids and page.banners == []
    message = page.items[0][1]
    # The same words beside the box (GOV.UK's error message, in the file's form group).
    group = html.split('id="div_id_file"', 1)[1].split('type="file"', 1)[0]
    beside = group.split('class="govuk-error-message">', 1)[1].split("</span> <input", 1)[0]
    assert " ".join(beside.split()).endswith(message)
    assert pep.attachments.count() == 0


def test_cancelling_a_meeting_that_is_no_longer_arranged(client, personas, pep_setting):
    meeting = meeting_arrange(
        actor=personas.social_worker,
        pep=pep_setting.pep,
        starts_at=at(timezone.localdate() + dt.timedelta(days=7)),
    ).meeting
    meeting_cancel(actor=personas.social_worker, meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    client.force_login(personas.social_worker)
    response = client.post(reverse("meeting_cancel", args=[meeting.pk]), follow=True)
    if response.redirect_chain == []:
        pytest.fail(f"no page back: {response.status_code}")
    assert response.redirect_chain[-1][0] == reverse("meeting_detail", args=[meeting.pk])
    refusal_shown(
        response,
        "The meeting cannot be cancelled",
        [("#meeting-status", "Only an arranged meeting can be cancelled")],
    )


def test_recording_a_meeting_before_its_day_links_to_the_meetings_status(
    client, personas, pep_setting
):
    day = timezone.localdate() + dt.timedelta(days=7)
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(day)
    ).meeting
    client.force_login(personas.social_worker)
    response = client.get(reverse("meeting_record", args=[meeting.pk]))
    page = Page(response.content.decode())
    assert page.title.startswith("Error: ") and page.banners == []
    detail = reverse("meeting_detail", args=[meeting.pk])
    assert page.items == [
        (
            f"{detail}#meeting-status",
            f"You can record this meeting from {day:%A %-d %B %Y}, the day it is arranged for",
        )
    ]
    # The link's target is on the meeting's page, and takes focus.
    target = Page(client.get(detail).content.decode())
    assert "meeting-status" in target.ids and "meeting-status" in target.focusable


def test_deciding_a_request_twice(client, personas, pp_setting):  # noqa: F811
    request = make_request(pp_setting, personas.designated_teacher, "500")
    pp_request_decide(
        actor=personas.virtual_school_staff, request=request, decision=PpStatus.APPROVED
    )
    client.force_login(personas.virtual_school_staff)
    url = reverse("pp_request_decide", args=[request.pk])
    response = client.post(url, {"decision": PpStatus.DECLINED, "reason": "No"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    refusal_shown(
        response,
        "The request cannot be decided again",
        [("#pp-status", "This request has already been decided")],
    )
    assert PpRequest.objects.get(pk=request.pk).status == PpStatus.APPROVED


def test_approving_a_teacher_already_approved(client, two):  # noqa: F811
    client.force_login(two.southam_admin)
    url = reverse("teacher_approve", args=[two.tia.pk])
    assert client.post(url, follow=True).status_code == 200  # approved (its banner shown)
    response = client.post(url, follow=True)
    refusal_shown(
        response,
        f"{two.tia.full_name} cannot be approved",
        [
            (
                "#current-approvals",
                f"{two.southam_admin.authority.name} already approves {two.tia.full_name} at "
                f"{two.tia.school.name}",
            )
        ],
    )


def test_adding_a_teacher_who_has_a_login_links_to_approving_it(client, two):  # noqa: F811
    client.force_login(two.southam_admin)
    response = client.post(
        reverse("person_invite"),
        {
            "full_name": "Tia Teacher",
            "email": "TIA@example.org",
            "role": "designated_teacher",
            "school": str(two.tia.school.urn),
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("teacher_approvals", args=[two.tia.pk]), 302)]
    refusal_shown(
        response,
        "A second login was not made",
        [
            (
                "#approve-teacher",
                f"{two.tia.email} already has a designated teacher login at "
                f"{two.tia.school.name}. Check the details and approve it to work with your "
                "authority's children",
            )
        ],
    )


def test_inviting_a_closed_account_again_links_to_reopening_it(client, personas):
    nina = User.objects.create_user(
        email="nina.new@example.org",
        password=None,
        full_name="Nina New",
        role=Role.SOCIAL_WORKER,
        authority=personas.authority,
        is_active=False,
    )
    client.force_login(personas.authority_administrator)
    url = reverse("person_invitation_resend", args=[nina.pk])
    response = client.post(url, follow=True)
    refusal_shown(
        response,
        "The invitation cannot be sent again",
        [("#reopen-account", "This account is closed: reopen it before inviting them again")],
    )


def test_undoing_twice_points_at_the_row(client, personas, head):  # noqa: F811
    client.force_login(personas.authority_administrator)
    client.post(reverse("person_second_factor_reset", args=[personas.social_worker.pk]))
    action = SensitiveAction.objects.get(subject=personas.social_worker)
    client.force_login(head)
    url = reverse("sensitive_action_undo", args=[action.pk])
    assert client.post(url, follow=True).status_code == 200  # undone (its banner shown)
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("sensitive_actions"), 302)]
    refusal_shown(
        response, "This cannot be undone", [(f"#undo-{action.pk}", "This has already been undone")]
    )


def test_removing_the_last_security_key_points_at_setting_up_an_app(client, personas):
    from django_otp_webauthn.models import WebAuthnCredential

    worker = personas.social_worker  # always needs a second factor
    last = WebAuthnCredential.objects.create(
        user=worker,
        name="Key 1",
        confirmed=True,
        credential_id=bytes([1]) * 16,
        public_key=b"k",
        sign_count=0,
    )
    sign_in_verified(client, worker)
    response = client.post(reverse("second_factor_key_remove", args=[last.pk]), follow=True)
    refusal_shown(
        response,
        "The security key cannot be removed",
        [
            (
                "#set-up-app",
                "Set up an authenticator app or add another key before you remove your last one",
            )
        ],
    )
    assert WebAuthnCredential.objects.filter(pk=last.pk).exists()


def test_a_refused_extract_and_confirming_a_discarded_one(client, personas):
    from roll.models import RollImport
    from tests.roll.test_upload_page import EPISODES, _files

    client.force_login(personas.virtual_school_administrator)
    bad = EPISODES.replace("A2,01/05/2017,S,V2", "A2,31/02/2017,S,V2")
    refused_page = client.post(reverse("roll_upload"), _files(episodes=bad), follow=True)
    refusal_shown(
        refused_page,
        "The extract was refused: nothing was imported",
        [
            (
                "#rows-refused",
                "Correct the 1 problem listed under “Rows refused” and upload the extract again",
            )
        ],
    )
    RollImport.objects.all().delete()

    url = client.post(reverse("roll_upload"), _files())["Location"]
    client.post(url, {"action": "discard"}, follow=True)
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    refusal_shown(
        response,
        "The upload cannot be imported",
        [("#upload-status", "This upload has already been imported or discarded")],
    )


def test_a_refused_mis_file_and_importing_one_twice(client, personas, setting):
    from outcomes.services import mis_import, mis_preview
    from tests.outcomes.test_mis_import import ATTENDANCE_HEADER, EXAMPLES, csv_of, with_upn

    vic = personas.virtual_school_staff
    client.force_login(vic)
    bad = mis_preview(
        actor=vic,
        layout="attendance",
        file_name="bad.csv",
        content=csv_of(ATTENDANCE_HEADER, "NOT-A-UPN,x,y,1,1,0,0", "ALSO-BAD,x,y,1,1,0,0"),
    )
    response = client.get(reverse("mis_preview", args=[bad.pk]))
    refusal_shown(
        response,
        "The file was refused: nothing will be imported",
        [
            (
                "#mis-errors-rows",
                "Correct the 2 rows that are wrong in the school's export and upload it again",
            )
        ],
    )

    with_upn(setting.child, "E801200125001")
    good = mis_preview(
        actor=vic,
        layout="attendance",
        file_name="mis-attendance.csv",
        content=(EXAMPLES / "mis-attendance.csv").read_bytes(),
    )
    mis_import(actor=vic, upload=good)
    url = reverse("mis_preview", args=[good.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(url, 302)]
    refusal_shown(
        response,
        "The file cannot be imported",
        [("#mis-status", "This file has already been imported, or was refused")],
    )


def test_no_view_shows_a_refusal_as_a_banner() -> None:
    """A banner says what was done; what was refused is an error summary. No app's code calls
    messages.error (read from the source, so a new view cannot slip one in)."""
    calls = []
    for path in ROOT.glob("**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "tests", "node_modules") or "node_modules" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "error"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "messages"
            ):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert calls == []
