"""The Pupil Premium Plus pages: raising a request from the PEP, the virtual school's list and
decision page, and the allocation settings."""

# The shared fixtures are imported from test_pp_support (there is no conftest.py here), so
# pytest's fixture parameters look to ruff like redefinitions.
# ruff: noqa: F811

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from peps.services import section_save
from pupil_premium.models import PpAllocation, PpRequest, PpStatus
from quality_assurance.models import QaFramework, Scale

from .test_pp_support import URLCONF, make_request, on_24_november, pp_setting  # noqa: F401

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.usefixtures("on_24_november")]


def test_the_pp_page_is_a_view_of_the_request_the_peps_section_raised(client, personas, pp_setting):
    section = pp_setting.pep.sections.get(key="pupil_premium")
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={
            "pp_requested": "yes",
            "pp_amount": 450,
            "pp_purpose": "A laptop for homework",
            "pp_target": pp_setting.target.what.upper(),
        },
        base_version=section.version,
    )
    request = PpRequest.objects.get()
    assert (request.section, request.amount, request.target) == (
        section,
        Decimal("450.00"),
        pp_setting.target,
    )
    client.force_login(personas.designated_teacher)
    response = client.get(reverse("pp_request_raise", args=[pp_setting.pep.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A laptop for homework" in html
    assert "£2,570.00" in html  # the allocation
    assert "£2,120.00" in html  # left to request: £2,570 less the £450 waiting
    assert "Requests close on 22 March 2027" in html
    assert reverse("section_edit", args=[pp_setting.pep.pk, "pupil_premium"]) in html
    # Nothing is raised through the page itself.
    assert client.post(reverse("pp_request_raise", args=[pp_setting.pep.pk])).status_code == 405


def _section_post(client, pep, **answers):  # type: ignore[no-untyped-def]
    section = pep.sections.get(key="pupil_premium")
    return client.post(
        reverse("section_edit", args=[pep.pk, "pupil_premium"]),
        {"version": section.version, **answers},
    )


def test_saving_the_pep_section_sends_the_request_and_returns_to_the_pep(
    client, personas, pp_setting
):
    client.force_login(personas.designated_teacher)
    response = _section_post(
        client,
        pp_setting.pep,
        pp_requested="yes",
        pp_amount="1320.50",
        pp_purpose="Maths tutoring",
        pp_target=pp_setting.target.what,
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pep_detail", args=[pp_setting.pep.pk])
    request = PpRequest.objects.get()
    assert (request.amount, request.target, request.financial_year, request.status) == (
        Decimal("1320.50"),
        pp_setting.target,
        2026,
        PpStatus.REQUESTED,
    )
    # In the virtual school's queue at once: no separate form.
    client.force_login(personas.virtual_school_staff)
    listed = client.get(reverse("pp_request_list")).context["page"].object_list
    assert [r.purpose for r in listed] == ["Maths tutoring"]


def test_the_section_shows_the_services_refusal_against_the_amount_and_keeps_the_draft(
    client, personas, pp_setting
):
    client.force_login(personas.designated_teacher)
    response = _section_post(
        client,
        pp_setting.pep,
        pp_requested="yes",
        pp_amount="3000",
        pp_purpose="Too much",
        pp_target="",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zara Quill has £2,570 of Pupil Premium Plus left for 2026 to 2027" in html
    assert "govuk-error-summary" in html
    # The refused save changed nothing: no edit conflict with the user's own (undone) save.
    assert "Someone else saved this section" not in html
    assert 'id="conflict-choices"' not in html
    assert not PpRequest.objects.exists()
    section = pp_setting.pep.sections.get(key="pupil_premium")
    assert section.answers.get("pp_amount") in (None, "")  # the section was not saved
    draft = section.drafts.get(author=personas.designated_teacher)
    assert draft.answers["pp_purpose"] == "Too much"  # nothing typed is lost


def test_the_requests_list_filters_by_status_and_year_oldest_first(client, personas, pp_setting):
    now = timezone.now()
    newer = make_request(pp_setting, personas.designated_teacher, "30", purpose="Newer")
    older = make_request(pp_setting, personas.designated_teacher, "20", purpose="Older")
    PpRequest.objects.filter(pk=older.pk).update(requested_at=now - dt.timedelta(days=9))
    make_request(pp_setting, personas.designated_teacher, "10", status="declined", purpose="No")
    make_request(pp_setting, personas.designated_teacher, "40", year=2025, purpose="Last year")
    client.force_login(personas.virtual_school_staff)

    # From the menu: what is waiting, every year, oldest first.
    listed = client.get(reverse("pp_request_list")).context["page"].object_list
    assert [r.purpose for r in listed] == ["Older", "Newer", "Last year"]
    listed = client.get(reverse("pp_request_list"), {"status": "requested", "year": 2026})
    assert [r.pk for r in listed.context["page"].object_list] == [older.pk, newer.pk]
    listed = client.get(reverse("pp_request_list"), {"status": "declined", "year": ""})
    assert [r.purpose for r in listed.context["page"].object_list] == ["No"]
    html = listed.content.decode()
    assert "<caption" in html


def test_the_decision_page_part_approves_with_a_reason(client, personas, pp_setting):
    waiting = make_request(pp_setting, personas.designated_teacher, "500")
    client.force_login(personas.virtual_school_staff)
    url = reverse("pp_request_decide", args=[waiting.pk])
    assert "Most that can be approved" in client.get(url).content.decode()

    response = client.post(url, {"decision": "part_approved", "amount": "200", "reason": ""})
    assert response.status_code == 200
    assert "Enter the reason for approving only part of the request" in response.content.decode()

    response = client.post(
        url, {"decision": "part_approved", "amount": "200", "reason": "Half is enough"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.approved_amount) == (PpStatus.PART_APPROVED, Decimal("200"))

    # Decided: the page shows the decision and no form; posting again changes nothing.
    page = client.get(url)
    assert page.context["form"] is None
    assert "Half is enough" in page.content.decode()
    client.post(url, {"decision": "declined", "reason": "Again"})
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.PART_APPROVED


def test_the_decision_page_warns_when_no_pep_no_premium_stops_release(client, personas, pp_setting):
    QaFramework.objects.create(
        authority=personas.authority,
        scale=Scale.RAG,
        blocks_sign_off_at="red",
        pp_release_min_rating="amber",
    )
    waiting = make_request(pp_setting, personas.designated_teacher, "500")
    client.force_login(personas.virtual_school_staff)
    url = reverse("pp_request_decide", args=[waiting.pk])
    assert "has not been signed off by quality assurance yet" in client.get(url).content.decode()
    response = client.post(url, {"decision": "approved"})
    assert response.status_code == 200
    assert "only for a PEP rated at least Amber" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.REQUESTED


def test_a_virtual_school_administrator_sets_the_allocation_on_its_page(
    client, personas, pp_setting
):
    client.force_login(pp_setting.admin)
    url = reverse("pp_allocations")
    page = client.get(url)
    assert page.status_code == 200
    assert "£2,570.00" in page.content.decode()
    response = client.post(url, {"financial_year": "2027", "amount_per_child": "2630"})
    assert response.status_code == 302
    assert PpAllocation.objects.get(financial_year=2027).amount_per_child == Decimal("2630")
    response = client.post(url, {"financial_year": "2027", "amount_per_child": ""})
    assert "Enter the amount per child" in response.content.decode()
