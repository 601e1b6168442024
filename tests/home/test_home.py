import pytest
from django.urls import reverse

from pep_portal.accounts.roles import Role


@pytest.mark.parametrize("role", list(Role))
def test_home_page_says_who_you_are_your_role_and_organisation(client, personas, role):
    user = personas.by_role()[role]
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert user.full_name in html
    assert user.email in html
    assert user.role_label in html
    organisation = user.authority or user.school
    assert organisation.name in html
    assert 'id="role-summary"' in html


def test_each_role_gets_its_own_description(client, personas):
    summaries = set()
    for user in personas.by_role().values():
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        start = html.index('id="role-summary"')
        summaries.add(html[start : html.index("</p>", start)])
    assert len(summaries) == len(Role)


def test_designated_teacher_home_shows_the_school_not_an_authority(client, personas):
    client.force_login(personas.designated_teacher)
    html = client.get(reverse("home")).content.decode()
    assert "Northam High School" in html
    assert f"URN {personas.designated_teacher.school.urn}" in html
    assert "Local authority</dt>" not in html


def test_virtual_school_home_counts_only_its_own_authority(client, personas):
    client.force_login(personas.virtual_school_staff)
    response = client.get(reverse("home"))
    counts = dict(response.context["people_counts"])
    # Northam: two social workers; Southam's social worker is not counted.
    assert counts["Social worker"] == 2
    assert counts["Virtual school staff"] == 1


def test_carer_has_no_people_directory(client, personas):
    client.force_login(personas.carer)
    html = client.get(reverse("home")).content.decode()
    assert reverse("people_list") not in html
