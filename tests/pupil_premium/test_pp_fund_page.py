"""The page where a virtual school administrator sets the Pupil Premium Plus devolved to each
school for the term (authorities whose rule set says the school decides)."""

# ruff: noqa: F811

from decimal import Decimal

import pytest
from django.urls import reverse

from pep_portal.accounts.roles import Role
from pep_portal.calendars.models import PepRuleSet
from pupil_premium.models import PpSchoolFund
from tests.personas import person

from .test_pp_support import URLCONF, on_24_november, pp_setting  # noqa: F401

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.usefixtures("on_24_november")]

URL = "/pupil-premium/school-funds/"


def _devolve(personas) -> None:  # type: ignore[no-untyped-def]
    PepRuleSet.objects.filter(authority=personas.authority).update(pp_plus_decided_by="school")


def test_the_page_is_at_school_funds():
    assert reverse("pp_school_funds") == URL


def test_the_administrator_sets_a_schools_amount_for_this_term(client, personas, pp_setting):
    _devolve(personas)
    school = personas.designated_teacher.school  # Zara's school, Northam High School
    client.force_login(pp_setting.admin)
    page = client.get(URL).content.decode()
    # 24 November 2026 is in the autumn term 2026/27; nothing set yet.
    assert "Schools' amounts for the autumn term 2026/27" in page
    assert "Northam High School" in page
    assert "Not set" in page
    assert "Southam Primary School" not in page  # none of Northam's children is there
    response = client.post(URL, {"school": school.pk, "amount": "1250.50"}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    fund = PpSchoolFund.objects.get()
    assert (fund.authority, fund.school, fund.academic_year, fund.term, fund.amount) == (
        personas.authority,
        school,
        2026,
        "autumn",
        Decimal("1250.50"),
    )
    html = response.content.decode()
    assert "Northam High School now has £1,250.50 for the autumn term 2026/27" in html
    assert "£1,250.50" in html.split('id="pp-school-funds"')[1]
    # Changing it keeps one amount per school and term; "£" and commas are read as typed.
    client.post(URL, {"school": school.pk, "amount": "£2,000"})
    assert list(PpSchoolFund.objects.values_list("amount", flat=True)) == [Decimal("2000.00")]


def test_the_pp_pages_link_to_it_only_where_the_authority_devolves(client, personas, pp_setting):
    client.force_login(pp_setting.admin)
    assert URL not in client.get(reverse("pp_request_list")).content.decode()
    page = client.get(URL).content.decode()
    assert "the virtual school decides each request" in page
    _devolve(personas)
    assert URL in client.get(reverse("pp_request_list")).content.decode()
    assert URL in client.get(reverse("pp_allocations")).content.decode()
    # Virtual school staff without the administrator duty do not get the link.
    client.force_login(personas.virtual_school_staff)
    assert URL not in client.get(reverse("pp_request_list")).content.decode()


@pytest.mark.parametrize(
    "who", ["designated_teacher", "social_worker", "virtual_school_staff", "other_admin"]
)
def test_nobody_else_sets_an_amount(client, personas, pp_setting, who):
    _devolve(personas)
    school = personas.designated_teacher.school
    if who == "other_admin":
        user = person(
            "Olga Admin",
            Role.VIRTUAL_SCHOOL_STAFF,
            authority=personas.other_authority,
            is_vs_administrator=True,
        )
    else:
        user = getattr(personas, who)
    client.force_login(user)
    response = client.post(URL, {"school": school.pk, "amount": "500"})
    assert response.status_code in (403, 404)
    if who == "other_admin":
        # Southam's administrator has the page for Southam, but not Northam's school.
        assert response.status_code == 404
        assert "Northam High School" not in client.get(URL).content.decode()
    else:
        assert client.get(URL).status_code == 403
    assert not PpSchoolFund.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Enter the amount of at least £0"),
        ("1000000", "Enter the amount of £999,999.99 or less"),
        ("1e999999", "Enter the amount of £999,999.99 or less"),
        ("lots", "Enter the amount as a number, like 250 or 250.50"),
        ("12.345", "Enter the amount in pounds and pence, like 250.50"),
        ("", "Enter the school&#x27;s amount for the term"),
    ],
)
def test_a_bad_amount_is_refused_with_a_message_and_kept(
    client, personas, pp_setting, typed, message
):
    _devolve(personas)
    client.force_login(pp_setting.admin)
    response = client.post(URL, {"school": personas.designated_teacher.school.pk, "amount": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html
    assert f'value="{typed}"' in html if typed else 'name="amount"' in html
    assert not PpSchoolFund.objects.exists()
