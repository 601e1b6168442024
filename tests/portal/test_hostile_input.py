"""Defect 8 (issue 12): hostile input in any form, for any form page of the portal. A NUL
character (which PostgreSQL cannot store), 20-digit numbers and dates: a clear message, the
typed text kept (without the NUL), never a server error."""

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings.services import meeting_arrange
from pep_portal.calendars.models import CalendarPeriod
from tests.pupil_premium.test_pp_support import make_request
from tests.pupil_premium.test_pp_support import pp_setting as pp_setting

NUL_MESSAGE = "hidden character that cannot be saved"
TYPED = "Typed\x00text"
KEPT = "Typedtext"
DIGITS = "12345678901234567890"


@dataclass
class HtmlForm:
    method: str
    action: str | None
    fields: dict[str, list[str]] = field(default_factory=dict)
    # name -> kind: "text" (typed by a person), "choice" (radios, boxes, selects), "hidden"
    kinds: dict[str, str] = field(default_factory=dict)
    submit: tuple[str, str] | None = None


class FormsParser(HTMLParser):
    """The forms of a page with what a browser would send from them by default."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[HtmlForm] = []
        self.current: HtmlForm | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = HtmlForm(a.get("method", "get").lower(), a.get("action"))
            self.forms.append(self.current)
            return
        form, name = self.current, a.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button"):
                form.submit = form.submit or (name, a.get("value", ""))
            elif kind == "file":
                form.kinds[name] = "file"
            elif kind in ("radio", "checkbox"):
                form.kinds[name] = "choice"
                if name not in form.fields or "checked" in a:
                    form.fields[name] = [a.get("value", "on")]
            else:
                # A password box is never shown again: hostile, but not "kept".
                kinds = {"hidden": "hidden", "password": "secret"}
                form.kinds[name] = kinds.get(kind, "text")
                form.fields[name] = [a.get("value", "")]
        elif tag == "button" and a.get("type", "submit") == "submit":
            form.submit = form.submit or (name, a.get("value", ""))
        elif tag == "textarea":
            form.kinds[name] = "text"
            form.fields[name] = [""]
            self.textarea = name
        elif tag == "select":
            form.kinds[name] = "choice"
            form.fields[name] = []
            self.select = name
        elif tag == "option" and self.select and not form.fields[self.select] and a.get("value"):
            form.fields[self.select] = [a["value"]]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_form(html: str, method: str) -> HtmlForm:
    """The page's own form (not the header's sign-out form)."""
    parser = FormsParser()
    parser.feed(html)
    forms = [
        f
        for f in parser.forms
        if f.method == method and "sign-out" not in (f.action or "") and f.kinds
    ]
    assert forms, "the page has no form"
    return max(forms, key=lambda f: len(f.kinds))


def hostile(form: HtmlForm, value: str) -> dict[str, object]:
    """What the form sends with `value` typed in every text box and added to every choice."""
    data: dict[str, object] = {}
    for name, values in form.fields.items():
        kind = form.kinds[name]
        if kind in ("text", "secret"):
            data[name] = value
        elif kind == "choice":
            # An empty list (nothing to choose from) gets the value itself.
            data[name] = [v + value if value == TYPED else v for v in values] or [value]
        elif kind == "hidden":
            data[name] = values
    if form.submit:
        data[form.submit[0]] = form.submit[1]
    return data


@dataclass
class World:
    pep_pk: int
    child_pk: int
    meeting_pk: int
    pp_request_pk: int
    period_pk: int


@pytest.fixture
def world(personas, pep_setting, pp_setting) -> World:  # type: ignore[no-untyped-def]
    """Every object a form page needs, and every virtual school duty for Vic School."""
    vs = personas.virtual_school_staff
    vs.is_vs_administrator = vs.is_vs_quality_assurer = True
    vs.save()
    meeting = meeting_arrange(
        actor=personas.social_worker,
        pep=pep_setting.pep,
        starts_at=timezone.make_aware(dt.datetime(2026, 11, 20, 10)),
        venue="online",
        online_link="https://teams.example/join/1",
    ).meeting
    pp_request = make_request(pp_setting, personas.designated_teacher, "300")
    period = CalendarPeriod.objects.filter(calendar__authority=personas.authority).first()
    return World(pep_setting.pep.pk, pep_setting.child.pk, meeting.pk, pp_request.pk, period.pk)


# (who, URL name, arguments from the world): every page with a form that writes.
POST_FORMS = [
    ("virtual_school_staff", "child_register", lambda w: []),
    ("virtual_school_staff", "child_edit", lambda w: [w.child_pk]),
    ("virtual_school_staff", "placement_change", lambda w: [w.child_pk]),
    ("virtual_school_staff", "school_move", lambda w: [w.child_pk]),
    ("virtual_school_staff", "care_team_allocate", lambda w: [w.child_pk]),
    ("designated_teacher", "delegation_grant", lambda w: [w.child_pk]),
    ("virtual_school_staff", "pep_set_up", lambda w: [w.child_pk]),
    ("designated_teacher", "section_edit", lambda w: [w.pep_pk, "teacher_comments"]),
    ("designated_teacher", "section_edit", lambda w: [w.pep_pk, "attendance"]),
    ("designated_teacher", "section_edit", lambda w: [w.pep_pk, "pupil_premium"]),
    ("designated_teacher", "section_edit", lambda w: [w.pep_pk, "current_attainment"]),
    ("social_worker", "section_edit", lambda w: [w.pep_pk, "care_information"]),
    ("carer", "section_edit", lambda w: [w.pep_pk, "child_voice"]),
    ("social_worker", "meeting_arrange", lambda w: [w.pep_pk]),
    ("social_worker", "meeting_record", lambda w: [w.meeting_pk]),
    ("social_worker", "meeting_record_step", lambda w: [w.meeting_pk, "discussion"]),
    ("social_worker", "meeting_record_step", lambda w: [w.meeting_pk, "targets"]),
    ("social_worker", "meeting_record_step", lambda w: [w.meeting_pk, "actions"]),
    ("social_worker", "meeting_record_step", lambda w: [w.meeting_pk, "next-meeting"]),
    ("virtual_school_staff", "pp_request_decide", lambda w: [w.pp_request_pk]),
    ("virtual_school_staff", "pp_allocations", lambda w: []),
    ("virtual_school_staff", "pp_school_funds", lambda w: []),
    ("virtual_school_staff", "pep_pdf_bulk", lambda w: []),
    ("authority_administrator", "person_invite", lambda w: []),
    ("virtual_school_staff", "calendar_period_add", lambda w: [2026]),
    ("virtual_school_staff", "calendar_period_edit", lambda w: [w.period_pk]),
    ("virtual_school_staff", "calendar_rules_edit", lambda w: []),
    ("social_worker", "password_change", lambda w: []),
]
GET_FORMS = [
    ("virtual_school_staff", "child_list", lambda w: []),
    ("virtual_school_staff", "people_list", lambda w: []),
    ("virtual_school_staff", "pp_request_list", lambda w: []),
    ("virtual_school_staff", "pp_totals", lambda w: []),
    ("virtual_school_staff", "pp_totals_schools", lambda w: []),
    ("virtual_school_staff", "qa_moderation", lambda w: []),
    ("virtual_school_staff", "calendar_deadline_check", lambda w: []),
]


def case_id(case: tuple) -> str:  # type: ignore[type-arg]
    return case[1]


@pytest.mark.parametrize("case", POST_FORMS, ids=[case_id(c) for c in POST_FORMS])
def test_defect_08_a_nul_in_any_form_is_taken_out_with_a_message_and_the_text_kept(
    client, personas, world, case
):
    who, url_name, args = case
    client.force_login(getattr(personas, who))
    url = reverse(url_name, args=args(world))
    page = client.get(url)
    assert page.status_code == 200
    form = page_form(page.content.decode(), "post")
    response = client.post(url, hostile(form, TYPED))
    # Never saved silently without the NUL, never a server error: the form again, saying so.
    assert response.status_code == 200, f"{url_name} answered {response.status_code}"
    html = response.content.decode()
    assert NUL_MESSAGE in html
    assert "govuk-error-summary" in html
    if "text" in form.kinds.values():
        assert KEPT in html
    assert "\x00" not in html


@pytest.mark.parametrize("case", POST_FORMS, ids=[case_id(c) for c in POST_FORMS])
def test_defect_08_twenty_digit_numbers_in_any_form_are_not_a_server_error(
    client, personas, world, case
):
    who, url_name, args = case
    client.force_login(getattr(personas, who))
    url = reverse(url_name, args=args(world))
    form = page_form(client.get(url).content.decode(), "post")
    response = client.post(url, hostile(form, DIGITS))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("case", GET_FORMS, ids=[case_id(c) for c in GET_FORMS])
@pytest.mark.parametrize("value", [TYPED, DIGITS])
def test_defect_08_hostile_searches_and_filters_are_not_a_server_error(
    client, personas, world, case, value
):
    who, url_name, args = case
    client.force_login(getattr(personas, who))
    url = reverse(url_name, args=args(world))
    page = client.get(url)
    form = page_form(page.content.decode(), "get")
    response = client.get(url, hostile(form, value))
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("login", {"username": "alice.social@example.org\x00", "password": "x\x00"}),
        ("password_reset", {"email": "alice.social@example.org\x00"}),
    ],
)
def test_defect_08_a_nul_on_the_signed_out_pages_is_not_a_server_error(
    client, personas, url_name, data
):
    response = client.post(reverse(url_name), data)
    assert response.status_code == 200
    assert NUL_MESSAGE in response.content.decode()


def test_defect_08_a_nul_outside_any_form_is_not_a_server_error(client, personas, world):
    client.force_login(personas.social_worker)
    assert client.post(reverse("notification_read"), {"id": ["1\x00", "²"]}).status_code == 302
    assert client.get(reverse("meeting_calendar"), {"from": "2026-12-07\x00"}).status_code == 200
    client.force_login(personas.virtual_school_staff)
    for year in (DIGITS, "-1", "99999", "²", "2026\x00"):
        assert client.get(reverse("vs_dashboard"), {"year": year}).status_code == 200


# Dates: fixed once in the shared field (pep_portal.forms.DateField), checked on several forms.

DATE_FORMS = [
    # (who, URL name, arguments, date field, other answers)
    (
        "social_worker",
        "meeting_arrange",
        lambda w: [w.pep_pk],
        "day",
        {"time": "10:00", "venue": "online", "online_link": "https://teams.example/j/2"},
    ),
    (
        "virtual_school_staff",
        "child_register",
        lambda w: [],
        "date_of_birth",
        {"legal_first_name": "Yusuf", "legal_last_name": "Reed", "gender": "male"},
    ),
    ("designated_teacher", "section_edit", lambda w: [w.pep_pk, "additional_needs"], None, {}),
    ("social_worker", "meeting_record", lambda w: [w.meeting_pk], "held_on", {}),
]


@pytest.mark.parametrize("case", DATE_FORMS, ids=[c[1] for c in DATE_FORMS])
@pytest.mark.parametrize("part", [0, 1, 2])
def test_defect_08_a_twenty_digit_day_month_or_year_gets_a_clear_message(
    client, personas, world, case, part
):
    who, url_name, args, date_field, others = case
    client.force_login(getattr(personas, who))
    url = reverse(url_name, args=args(world))
    html = client.get(url).content.decode()
    if date_field is None:  # the section's own date question
        date_field = re.search(r'name="([a-z_]+)_0"', html).group(1)
    form = page_form(html, "post")
    data = {**hostile(form, ""), **others}
    date = ["27", "3", "2026"]
    date[part] = DIGITS
    data.update({f"{date_field}_{i}": value for i, value in enumerate(date)})
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    expected = "Enter a year with 4 digits" if part == 2 else "Enter a real date"
    if url_name == "section_edit":  # a section's answers are checked by peps/sections.py
        expected = "must be a real date, for example 27 3 2026"
    assert expected in page
    assert f'value="{DIGITS}"' in page  # kept, to be corrected


def test_defect_08_the_shared_date_field_refuses_long_parts_without_an_exception():
    from pep_portal.forms import DateField

    field = DateField()
    for parts in (
        [DIGITS, "3", "2026"],
        ["27", DIGITS, "2026"],
        ["27", "3", DIGITS],
        ["0027", "3", "2026"],
        ["27", "3", "9" * 4000],
    ):
        with pytest.raises(Exception) as refused:
            field.clean(parts)
        assert type(refused.value).__name__ == "ValidationError", parts
    assert field.clean(["27", "3", "2026"]) == dt.date(2026, 3, 27)
    assert field.clean([" 7", "03 ", "2026"]) == dt.date(2026, 3, 7)


def test_defect_08_a_nul_in_an_uploaded_term_dates_file_is_dropped(client, personas, world):
    client.force_login(personas.virtual_school_staff)
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20271001\r\n"
        b"SUMMARY:INSET\x00 day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    response = client.post(
        reverse("calendar_upload"),
        {
            "file": SimpleUploadedFile("closures.ics", ics, "text/calendar"),
            **{f"year_start_{i}": v for i, v in enumerate(["1", "9", "2027"])},
            **{f"year_end_{i}": v for i, v in enumerate(["20", "7", "2028"])},
        },
    )
    assert response.status_code == 302
    assert CalendarPeriod.objects.filter(name="INSET day", start_date="2027-10-01").exists()


def test_defect_08_a_forged_session_cookie_with_a_nul_is_ignored(client, personas):
    client.cookies.load('sessionid="abcdefgh\\000ijklmnop"')
    response = client.get(reverse("child_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
