"""Every child URL against every persona: the forbidden get 403 or 404 and never see the
child's name; write views reject GET where they only take POST."""

import pytest
from django.urls import reverse

from children.services import delegation_grant
from tests.personas import PERSONA_NAMES_WITH_ADMINISTRATOR

VIEW_ONLY_URLS = ["child_detail"]
CHANGE_URLS = ["child_edit", "placement_change", "school_move", "care_team_allocate"]
AUDIT_URLS = ["child_audit"]
DELEGATE_URLS = ["delegation_grant"]

# Who may open each kind of page for the setting's child (Northam, at Dee Teacher's school).
CAN_VIEW = {
    "social_worker",
    "designated_teacher",
    "carer",
    "virtual_school_staff",
    "independent_reviewing_officer",
}
CAN_CHANGE = {"virtual_school_staff"}
CAN_AUDIT = {"virtual_school_administrator"}
CAN_DELEGATE = {"designated_teacher"}

PERSONAS = PERSONA_NAMES_WITH_ADMINISTRATOR


def allowed(name: str, url_name: str) -> bool:
    if url_name in VIEW_ONLY_URLS:
        return name in CAN_VIEW | CAN_AUDIT
    if url_name in CHANGE_URLS:
        return name in CAN_CHANGE | CAN_AUDIT
    if url_name in AUDIT_URLS:
        return name in CAN_AUDIT
    return name in CAN_DELEGATE


@pytest.mark.parametrize("url_name", VIEW_ONLY_URLS + CHANGE_URLS + AUDIT_URLS + DELEGATE_URLS)
@pytest.mark.parametrize("name", PERSONAS)
def test_child_pages_by_persona(client, personas, setting, name, url_name):
    user = getattr(personas, name)
    client.force_login(user)
    response = client.get(reverse(url_name, args=[setting.child.pk]))
    if allowed(name, url_name):
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404)
        assert setting.child.legal_first_name not in response.content.decode()


@pytest.mark.parametrize("name", PERSONAS)
def test_posting_a_change_is_refused_to_all_but_the_virtual_school(client, personas, setting, name):
    client.force_login(getattr(personas, name))
    response = client.post(
        reverse("school_move", args=[setting.child.pk]),
        {"school": "", "started_on_0": "1", "started_on_1": "10", "started_on_2": "2026"},
    )
    setting.child.refresh_from_db()
    still_at_school = setting.child.enrolments.filter(ended_on__isnull=True).exists()
    if name in CAN_CHANGE | CAN_AUDIT:
        assert response.status_code == 302
        assert not still_at_school
    else:
        assert response.status_code in (403, 404)
        assert still_at_school


def test_revoking_a_delegation_is_post_only_and_for_the_designated_teacher(
    client, personas, setting
):
    delegation = delegation_grant(
        actor=personas.designated_teacher,
        child=setting.child,
        delegate=personas.delegated_school_staff,
    )
    url = reverse("delegation_revoke", args=[setting.child.pk, delegation.pk])
    client.force_login(personas.designated_teacher)
    assert client.get(url).status_code == 405
    client.force_login(personas.other_school_teacher)
    assert client.post(url).status_code == 404
    client.force_login(personas.designated_teacher)
    assert client.post(url).status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_unknown_child_is_404_for_everyone(client, personas):
    client.force_login(personas.virtual_school_staff)
    assert client.get(reverse("child_detail", args=[999999])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, setting):
    response = client.get(reverse("child_detail", args=[setting.child.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_register_page_is_for_virtual_school_staff_only(client, personas):
    for name in PERSONAS:
        client.force_login(getattr(personas, name))
        status = client.get(reverse("child_register")).status_code
        # Any authority's virtual school registers children, into its own authority only.
        assert status == (200 if "virtual_school" in name else 403), name
