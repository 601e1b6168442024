"""Registering a child: "check your answers" first, warning of a child already on the portal
with the same name and date of birth, or the same UPN; nothing is saved until confirmed; the
answers come back to the form unchanged; the check page is the virtual school's only."""

import datetime as dt
import html as markup
import re

import pytest
from django.urls import reverse

from children.models import Child, LegalStatus, PlacementType
from children.services import child_register
from tests.children.fixtures import ENTERED_CARE
from tests.children.test_child_pages import REGISTRATION


def register(personas, *, first, last, born, upn=""):  # type: ignore[no-untyped-def]
    return child_register(
        actor=personas.virtual_school_staff,
        details={
            "legal_first_name": first,
            "legal_last_name": last,
            "date_of_birth": dt.date(*born),
            "gender": "female",
            "upn": upn,
        },
        entered_care_on=ENTERED_CARE,
        emergency_placement=True,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[personas.carer],
        school=None,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
    )


def hidden_fields(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        if name != "csrfmiddlewaretoken":
            found.setdefault(name, []).append(markup.unescape(value))
    return found


def test_the_answers_are_checked_then_registered_from_the_check_page(client, personas):
    client.force_login(personas.virtual_school_staff)
    url = reverse("child_register")
    check = client.post(url, {**REGISTRATION, "preferred_name": "Pip <b>"}).content.decode()
    assert "<title>Check your answers before registering Poppy Field" in check
    rows = dict(
        re.findall(
            r'<dt class="govuk-summary-list__key">([^<]+)</dt>\s*'
            r'<dd class="govuk-summary-list__value">([^<]+)</dd>',
            markup.unescape(check),
        )
    )
    # Written out by hand from REGISTRATION.
    assert rows["Date of birth"] == "4 April 2016"
    assert rows["Gender"] == "Female"
    assert rows["Was it an emergency placement?"] == "Yes"
    assert rows["School URN"] == "Not given"
    assert "Pip &lt;b&gt;" in check  # escaped
    assert 'id="possible-duplicates"' not in check
    assert not Child.objects.exists()  # nothing saved yet
    kept = hidden_fields(check)
    # "Change": the form again, as typed, with no errors.
    again = client.post(url, {**kept, "change": "id_preferred_name"}).content.decode()
    assert 'value="Pip &lt;b&gt;"' in again and "govuk-error-summary" not in again
    assert not Child.objects.exists()
    response = client.post(url, {**kept, "confirm": "yes"})
    child = Child.objects.get()
    assert response["Location"] == reverse("child_detail", args=[child.pk])
    assert child.preferred_name == "Pip <b>"


def test_a_child_with_the_same_name_and_birthday_or_upn_is_warned_of(client, personas):
    same = register(personas, first="poppy", last="FIELD", born=(2016, 4, 4))
    other = register(personas, first="Ivy", last="Lane", born=(2015, 1, 2), upn="A123456789012")
    register(personas, first="Poppy", last="Field", born=(2016, 4, 5))  # not the same day
    client.force_login(personas.virtual_school_staff)
    page = client.post(
        reverse("child_register"), {**REGISTRATION, "upn": "a123456789012"}
    ).content.decode()
    warning = page.split('id="possible-duplicates"', 1)[1].split("</ul>", 1)[0]
    linked = re.findall(r'href="/children/(\d+)/"', warning)
    assert sorted(int(pk) for pk in linked) == sorted([same.pk, other.pk])
    assert "Register as a new child</button>" in page
    assert Child.objects.count() == 3


def test_a_refusal_is_found_before_the_check_page(client, personas):
    client.force_login(personas.virtual_school_staff)
    page = client.post(
        reverse("child_register"),
        {**REGISTRATION, "date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": "2025"},
    ).content.decode()
    assert "<title>Error: Register a child" in page
    assert '<a href="#id_date_of_birth_0">PEPs are for children from nursery age' in page


@pytest.mark.parametrize("who", ["social_worker", "designated_teacher", "carer"])
def test_only_the_virtual_school_reaches_the_check_page(client, personas, who):
    client.force_login(getattr(personas, who))
    response = client.post(reverse("child_register"), REGISTRATION)
    assert response.status_code == 403
    assert not Child.objects.exists()
