"""The calendar and rules screens: who may open what, and what they show."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pep_portal.calendars.models import CalendarPeriod, PepRuleSet, TermCalendar
from pep_portal.calendars.presets import MEDWAY
from pep_portal.calendars.services import rule_set_load_preset
from tests.factories import SchoolFactory
from tests.personas import PERSONA_NAMES_WITH_ADMINISTRATOR

from .conftest import load_file
from .helpers import FIXTURES

PERSONAS = PERSONA_NAMES_WITH_ADMINISTRATOR
CAN_VIEW = {"virtual_school_staff", "virtual_school_administrator", "authority_administrator"}
CAN_EDIT = {"virtual_school_administrator", "authority_administrator"}


@pytest.fixture
def setting(northam_loaded, northam_school):  # type: ignore[no-untyped-def]
    load_file("school-inset-days.csv", school=northam_school)
    rule_set_load_preset(preset="medway", slug=northam_loaded.authority.slug)
    period = CalendarPeriod.objects.filter(calendar__authority=northam_loaded.authority).first()
    return {"school": northam_school, "period": period}


def urls(setting) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    urn = setting["school"].urn
    return {
        "home": ("view", reverse("calendar_home")),
        "year": ("view", reverse("calendar_year", args=[2025])),
        "school_year": ("school_view", reverse("calendar_school_year", args=[urn, 2025])),
        "export": ("view", reverse("calendar_export", args=[2025])),
        "school_export": ("school_view", reverse("calendar_school_export", args=[urn, 2025])),
        "rules": ("view", reverse("calendar_rules")),
        "deadline": ("view", reverse("calendar_deadline_check")),
        "add": ("edit", reverse("calendar_period_add", args=[2025])),
        "school_add": ("school_edit", reverse("calendar_school_period_add", args=[urn, 2025])),
        "edit": ("edit", reverse("calendar_period_edit", args=[setting["period"].pk])),
        "upload": ("edit", reverse("calendar_upload")),
        "rules_edit": ("edit", reverse("calendar_rules_edit")),
    }


@pytest.mark.parametrize("name", PERSONAS)
def test_every_calendar_page_by_persona(client, personas, setting, name):
    user = getattr(personas, name)
    client.force_login(user)
    for kind, url in urls(setting).values():
        response = client.get(url)
        page = response.content.decode()
        allowed = name in (CAN_EDIT if kind.endswith("edit") else CAN_VIEW)
        if name == "other_authority_virtual_school_staff" and kind == "view":
            # Pages without an id show the user's own authority: Southam's, never Northam's.
            assert response.status_code == 200, (name, url)
            assert "Northam" not in page
        elif allowed:
            assert response.status_code == 200, (name, url)
        else:
            # A school's page is 404 to those who may not see it, the rest 403.
            assert response.status_code in (403, 404), (name, url)
            assert "Riverside" not in page and "Northam" not in page


@pytest.mark.parametrize("name", PERSONAS)
def test_removing_a_period_is_refused_to_all_but_calendar_managers(client, personas, setting, name):
    period = setting["period"]
    client.force_login(getattr(personas, name))
    response = client.post(reverse("calendar_period_delete", args=[period.pk]))
    exists = CalendarPeriod.objects.filter(pk=period.pk).exists()
    if name in CAN_EDIT:
        assert response.status_code == 302 and not exists
    else:
        assert response.status_code in (403, 404) and exists


def test_removing_a_period_rejects_get(client, personas, setting):
    client.force_login(personas.authority_administrator)
    response = client.get(reverse("calendar_period_delete", args=[setting["period"].pk]))
    assert response.status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client, setting):
    response = client.get(reverse("calendar_home"))
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_the_calendars_page_takes_a_fixed_number_of_queries(
    client, personas, setting, django_assert_num_queries
):
    client.force_login(personas.authority_administrator)
    client.get(reverse("calendar_home"))
    # Session and user (the session is not written on every request); the authority (scoped),
    # its years, schools' calendars, missing years, may-edit; the footer's authority is the one
    # read (scoped), not asked again. The same however many years and schools there are.
    with django_assert_num_queries(7):
        client.get(reverse("calendar_home"))
    for urn in range(801100, 801110):
        school = SchoolFactory(urn=urn, la_code=personas.authority.la_code)
        load_file("school-inset-days.csv", school=school)
    with django_assert_num_queries(7):
        response = client.get(reverse("calendar_home"))
    assert response.content.decode().count("closures on top of its authority") == 11


def test_the_year_page_takes_a_fixed_number_of_queries(
    client, personas, setting, django_assert_num_queries
):
    client.force_login(personas.authority_administrator)
    url = reverse("calendar_school_year", args=[setting["school"].urn, 2025])
    client.get(url)
    # Session, user (no session write); the school, its year and periods;
    # its authority, the user's authority, their calendars with periods; may-edit.
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert "Riverside Academy" in response.content.decode()


def test_the_calendars_page_flags_a_missing_academic_year(client, personas, setting):
    client.force_login(personas.authority_administrator)
    page = client.get(reverse("calendar_home")).content.decode()
    assert 'id="missing-years"' in page  # today's 2026/27 is loaded; 2027/28 is not
    assert "2027/28" in page


def test_the_month_view_shows_which_days_count(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("calendar_year", args=[2025])).content.decode()
    assert 'data-day="2025-11-27" data-status="school_day"' in page
    assert 'data-day="2025-11-28" data-status="closed"' in page
    assert 'data-day="2025-12-25" data-status="bank_holiday"' in page
    assert 'data-day="2025-11-29" data-status="weekend"' in page
    assert 'data-day="2026-08-03" data-status="closed"' in page  # the summer holiday
    school_page = client.get(
        reverse("calendar_school_year", args=[setting["school"].urn, 2025])
    ).content.decode()
    assert 'data-day="2025-10-20" data-status="closed"' in school_page
    assert "with Riverside Academy&#x27;s own closures" in school_page


def test_a_year_with_nothing_loaded_says_so(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("calendar_year", args=[2024])).content.decode()
    assert 'id="not-loaded"' in page
    assert 'data-status="not_loaded"' in page


def test_an_administrator_adds_a_closure_in_the_portal(client, personas, setting):
    client.force_login(personas.authority_administrator)
    response = client.post(
        reverse("calendar_period_add", args=[2025]),
        {
            "kind": "closed",
            "start_date_0": "3",
            "start_date_1": "11",
            "start_date_2": "2025",
            "end_date_0": "3",
            "end_date_1": "11",
            "end_date_2": "2025",
            "name": "Extra INSET day",
        },
    )
    assert response.status_code == 302
    assert CalendarPeriod.objects.filter(name="Extra INSET day").exists()


def test_an_overlapping_term_is_shown_as_an_error_on_the_form(client, personas, setting):
    client.force_login(personas.authority_administrator)
    response = client.post(
        reverse("calendar_period_add", args=[2025]),
        {
            "kind": "term",
            "start_date_0": "1",
            "start_date_1": "12",
            "start_date_2": "2025",
            "end_date_0": "9",
            "end_date_1": "1",
            "end_date_2": "2026",
            "name": "Clash",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "overlaps the term" in page


def test_uploading_a_bad_file_lists_each_bad_line_and_loads_nothing(client, personas, setting):
    client.force_login(personas.authority_administrator)
    before = CalendarPeriod.objects.count()
    upload = SimpleUploadedFile("bad-rows.csv", (FIXTURES / "bad-rows.csv").read_bytes())
    response = client.post(reverse("calendar_upload"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "bad-rows.csv: nothing was loaded" in page
    assert "Line 3: kind must be" in page and "Line 8: expected 4 values" in page
    assert CalendarPeriod.objects.count() == before


def test_uploading_a_schools_closures_in_the_portal(client, personas, setting):
    client.force_login(personas.authority_administrator)
    upload = SimpleUploadedFile("inset.csv", (FIXTURES / "school-inset-days.csv").read_bytes())
    response = client.post(
        reverse("calendar_upload"), {"file": upload, "school": str(setting["school"].urn)}
    )
    assert response.status_code == 302
    assert TermCalendar.objects.get(school=setting["school"], academic_year=2025).source == (
        "inset.csv"
    )


def test_the_export_escapes_formula_text_so_a_spreadsheet_never_runs_it(client, personas, setting):
    load_file("formula-injection.csv", authority=personas.authority)
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("calendar_export", args=[2025]))
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "\r\nclosed,2025-10-27,2025-10-31,'=cmd\\|' /C calc'!A0\r\n" in body
    assert CalendarPeriod.objects.filter(name="=cmd|' /C calc'!A0").exists()
    page = client.get(reverse("calendar_year", args=[2025])).content.decode()
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page


def test_the_rules_page_shows_each_rule_with_where_it_came_from(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("calendar_rules")).content.decode()
    assert "Within 20 school days of becoming looked after" in page
    assert "Last date accepted: 22 March" in page
    assert "Pupil Premium Plus from Reception to Year 11" in page
    assert "is silent; the law sets no timescale, so no rule." in page
    assert "Change the rules" not in page


def test_an_administrator_changes_the_rules_and_the_page_says_who(client, personas, setting):
    client.force_login(personas.authority_administrator)
    form = {name: value for name, value in MEDWAY.rules.items() if value is not None}
    form.update(initial_pep_days=15, internal_review_needs_expected_progress="on")
    form.update(
        {
            "windows-TOTAL_FORMS": "3",
            "windows-INITIAL_FORMS": "3",
            "windows-MIN_NUM_FORMS": "0",
            "windows-MAX_NUM_FORMS": "3",
            "windows-0-code": "autumn",
            "windows-0-name": "Autumn",
            "windows-0-first_month": "9",
            "windows-0-last_month": "12",
            "windows-1-code": "spring",
            "windows-1-name": "Spring",
            "windows-1-first_month": "1",
            "windows-1-last_month": "3",
            "windows-2-code": "summer",
            "windows-2-name": "Summer",
            "windows-2-first_month": "4",
            "windows-2-last_month": "7",
        }
    )
    response = client.post(reverse("calendar_rules_edit"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule_set = PepRuleSet.objects.get(authority=personas.authority)
    assert rule_set.initial_pep_days == 15
    page = client.get(reverse("calendar_rules")).content.decode()
    assert "Changed in the portal by Ada Admin" in page


def test_checking_a_deadline_in_the_portal_shows_the_date_and_how(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    query = {
        "entered_care_0": "15",
        "entered_care_1": "12",
        "entered_care_2": "2025",
        "emergency": "on",
    }
    page = client.get(reverse("calendar_deadline_check"), query).content.decode()
    assert "Due by Tuesday 13 January 2026" in page
    assert "Counted from: 2025-12-15 (day 0)" in page
    query["entered_care_2"] = "2027"
    query["entered_care_1"] = "7"
    page = client.get(reverse("calendar_deadline_check"), query).content.decode()
    assert "No term dates are loaded for 2027/28" in page


def test_an_empty_upload_shows_what_to_do(client, personas, setting):
    client.force_login(personas.authority_administrator)
    page = client.post(reverse("calendar_upload"), {}).content.decode()
    assert "govuk-error-summary" in page and "Choose a CSV or iCalendar file" in page


def test_the_deadline_form_puts_no_csrf_token_in_the_address(client, personas, setting):
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("calendar_deadline_check")).content.decode()
    assert "csrfmiddlewaretoken" not in page.split('id="main-content"')[1]
