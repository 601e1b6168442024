"""Every Pupil Premium Plus page against every persona. Only the child's care team who ask for
the money reach the request page; only virtual school staff of the child's authority reach the
decision page, the list, the totals and the export; only its administrators set allocations.
Whoever is refused gets 403 or 404 and never sees the child's name."""

# The shared fixtures are imported from test_pp_support (there is no conftest.py here), so
# pytest's fixture parameters look to ruff like redefinitions.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from pupil_premium.models import PpRequest, PpStatus
from tests.personas import PERSONA_NAMES_WITH_ADMINISTRATOR

from .test_pp_support import URLCONF, make_request, on_24_november, pp_setting  # noqa: F401

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.usefixtures("on_24_november")]

PERSONAS = PERSONA_NAMES_WITH_ADMINISTRATOR
# The school (and the allocated social worker, who writes the school's sections when there is
# no school place) asks for the money.
MAY_RAISE = {"social_worker", "designated_teacher", "delegated_school_staff"}
THE_VIRTUAL_SCHOOL = {"virtual_school_staff", "virtual_school_administrator"}


def refused(response, child_name="Zara") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in (403, 404)
    assert child_name not in response.content.decode()


@pytest.mark.parametrize("name", PERSONAS)
def test_the_request_page_by_persona(client, personas, pp_setting, name):
    client.force_login(getattr(personas, name))
    url = reverse("pp_request_raise", args=[pp_setting.pep.pk])
    response = client.get(url)
    if name in MAY_RAISE:
        assert response.status_code == 200
        return
    refused(response)
    # The page is a view of the record: nothing can be raised through it.
    assert client.post(url, {"amount": "10", "purpose": "x"}).status_code == 405
    assert not PpRequest.objects.exists()


@pytest.mark.parametrize("name", PERSONAS)
def test_the_decision_page_by_persona(client, personas, pp_setting, name):
    waiting = make_request(pp_setting, personas.designated_teacher, "100")
    client.force_login(getattr(personas, name))
    url = reverse("pp_request_decide", args=[waiting.pk])
    response = client.get(url)
    if name in THE_VIRTUAL_SCHOOL:
        assert response.status_code == 200
        return
    refused(response)
    refused(client.post(url, {"decision": "approved"}))
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.REQUESTED


def test_another_authoritys_virtual_school_gets_404_for_the_request_not_403(
    client, personas, pp_setting
):
    waiting = make_request(pp_setting, personas.designated_teacher, "100")
    client.force_login(personas.other_authority_virtual_school_staff)
    assert client.get(reverse("pp_request_decide", args=[waiting.pk])).status_code == 404


def _text(response) -> str:  # type: ignore[no-untyped-def]
    # The finance CSV is streamed (sent row by row); the pages are not.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("url_name", ["pp_request_list", "pp_totals", "pp_export"])
@pytest.mark.parametrize("name", PERSONAS)
def test_the_virtual_school_pages_by_persona(client, personas, pp_setting, name, url_name):
    make_request(pp_setting, personas.designated_teacher, "100", purpose="Zara's tutoring")
    client.force_login(getattr(personas, name))
    response = client.get(reverse(url_name), {"year": 2026, "status": ""})
    if name in THE_VIRTUAL_SCHOOL:
        assert response.status_code == 200
        assert "Zara" in _text(response)
    elif name == "other_authority_virtual_school_staff":
        # Their own authority's pages, with none of Northam's children in them.
        assert response.status_code == 200
        assert "Zara" not in _text(response)
    else:
        refused(response)


@pytest.mark.parametrize("name", PERSONAS)
def test_the_allocation_page_is_for_virtual_school_administrators_only(
    client, personas, pp_setting, name
):
    client.force_login(getattr(personas, name))
    url = reverse("pp_allocations")
    response = client.get(url)
    if name == "virtual_school_administrator":
        assert response.status_code == 200
        return
    assert response.status_code in (403, 404)
    response = client.post(url, {"financial_year": "2026", "amount_per_child": "1"})
    assert response.status_code in (403, 404)


def test_signed_out_visitors_are_sent_to_sign_in(client, pp_setting):
    for url in (
        reverse("pp_request_list"),
        reverse("pp_totals"),
        reverse("pp_export"),
        reverse("pp_allocations"),
        reverse("pp_request_raise", args=[pp_setting.pep.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"] or "sign-in" in response["Location"]


@pytest.mark.parametrize("url_name", ["pp_request_list", "pp_totals", "pp_export"])
def test_the_read_only_pages_reject_post(client, personas, pp_setting, url_name):
    client.force_login(personas.virtual_school_staff)
    assert client.post(reverse(url_name)).status_code == 405
