"""Page titles: a page about one child says whose it is; pages of a long list say which page;
two different pages never share a title (checked here for the forms that had shared one)."""

import re

from django.urls import reverse

from children.models import Child
from tests.children.test_child_pages import REGISTRATION


def title(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, url
    found = re.search(r"<title>(.*?)</title>", page.content.decode(), re.S)
    assert found
    return found.group(1)


def test_each_form_about_a_child_names_the_child_and_is_unlike_the_others(
    client, personas, pep_setting
):
    pep = pep_setting.pep
    child = pep.child
    client.force_login(personas.virtual_school_staff)
    titles = [
        title(client, reverse(name, args=[child.pk]))
        for name in ("child_edit", "placement_change", "school_move", "care_leave", "pep_set_up")
    ]
    titles.append(title(client, reverse("meeting_arrange", args=[pep.pk])))
    for shown in titles:
        assert child.display_name in shown, shown
    assert len(set(titles)) == len(titles), titles


def test_a_long_list_says_which_page_it_is(client, personas):
    from children import views

    client.force_login(personas.virtual_school_staff)
    url = reverse("child_register")
    for n in range(3):
        client.post(url, {**REGISTRATION, "legal_first_name": f"Child{n}", "confirm": "yes"})
    assert Child.objects.count() == 3
    size = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        first = title(client, reverse("child_list"))
        second = title(client, reverse("child_list") + "?page=2")
    finally:
        views.PAGE_SIZE = size
    assert "(page 1 of 2)" in first and "(page 2 of 2)" in second


def test_sign_in_pages_take_no_focus_away_from_the_skip_link(client):
    page = client.get(reverse("login")).content.decode()
    assert "autofocus" not in page
    # The phase banner is inside the page's one banner landmark (the <header>).
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert "govuk-phase-banner" in header
    assert page.count("<header") == 1
