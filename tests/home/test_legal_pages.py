"""The legal and help pages: open to everyone, linked from every page's footer, signed in or
not; the privacy notice in each authority's own words where it has written them (edited by the
portal's operators in admin, with history), the standard wording otherwise."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.home.legal import STANDARD

pytestmark = pytest.mark.django_db

LEGAL = ["/accessibility/", "/privacy/", "/cookies/", "/help/"]
FOOTER = {
    "/help/": "Help and contact",
    "/accessibility/": "Accessibility statement",
    "/privacy/": "Privacy notice",
    "/cookies/": "Cookies",
}


def _footer(html: str) -> dict[str, str]:
    footer = html[html.index('<footer class="govuk-footer">') :]
    links = re.findall(r'<a class="govuk-footer__link" href="(/[^"]*)">([^<]+)</a>', footer)
    return dict(links)


@pytest.mark.parametrize("url", LEGAL)
def test_each_legal_page_is_open_to_someone_signed_out(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert _footer(response.content.decode()) == FOOTER


def test_the_footer_and_feedback_link_are_on_pages_signed_in_and_out(client, personas):
    signed_out = client.get("/account/sign-in/").content.decode()
    assert _footer(signed_out) == FOOTER
    assert 'href="/help/#feedback" id="feedback-link"' in signed_out
    client.force_login(personas.carer)
    for url in ["/", "/children/", "/notifications/", "/help/"]:
        html = client.get(url).content.decode()
        assert _footer(html) == FOOTER, url
        assert 'id="feedback-link"' in html, url
    # The 500 page (plain HTML, rendered with nothing from the database) links to them too.
    error_page = (Path(settings.BASE_DIR) / "templates/errors/500.html").read_text()
    assert set(FOOTER) <= set(re.findall(r'href="(/[a-z]+/)"', error_page))


def test_the_accessibility_statement_follows_the_model_form(client, personas):
    html = client.get("/accessibility/").content.decode()
    for heading in [
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Disproportionate burden",
        "What we're doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]:
        assert heading.replace("'", "&#x27;") in html or heading in html, heading
    assert "partially compliant" in html and "WCAG" in html
    assert 'id="testing-done"' in html and "320 pixels" in html
    # Signed in, it names the person's own Virtual School to contact.
    client.force_login(personas.social_worker)
    html = client.get("/accessibility/").content.decode()
    assert personas.authority.virtual_school_email in html


def test_the_privacy_notice_is_the_authoritys_own_words_where_written(client, personas):
    northam = personas.authority
    northam.privacy_retention = (
        "Northam keeps a child's record until they are 25.\n\nThen we delete it."
    )
    northam.data_protection_officer_email = "dpo@northam.example"
    northam.save()
    html = Client().get(f"/privacy/?authority={northam.slug}").content.decode()
    assert (
        '<p class="govuk-body">Northam keeps a child&#x27;s record until they are 25.</p>' in html
    )
    assert '<p class="govuk-body">Then we delete it.</p>' in html
    assert STANDARD["privacy_retention"].split(".")[0] not in html
    # The parts left blank keep the standard wording; every part is there.
    assert "Public task (UK GDPR Article 6(1)(e))" in html
    assert "Public task (UK GDPR Article 6(1)(e))" in STANDARD["privacy_lawful_basis"]
    for key in [
        "privacy_held",
        "privacy_why",
        "privacy_lawful_basis",
        "privacy_retention",
        "privacy_rights",
        "privacy_contact",
    ]:
        assert f'id="{key}"' in html
    assert "dpo@northam.example" in html
    # Someone of Northam signed in reads Northam's notice at /privacy/; Southam's is the standard.
    client.force_login(personas.social_worker)
    assert "Northam keeps a child" in client.get("/privacy/").content.decode()
    southam = Client().get(f"/privacy/?authority={personas.other_authority.slug}").content.decode()
    assert "Northam keeps a child" not in southam and "dpo@northam.example" not in southam
    # Signed out and unnamed: the standard notice, and a link to each authority's own.
    standard = Client().get("/privacy/").content.decode()
    assert "Northam keeps a child" not in standard
    assert f'href="/privacy/?authority={northam.slug}"' in standard


def test_an_unknown_or_hostile_authority_name_is_not_found(client):
    for slug in ["nowhere", "a" * 300, "<script>", "\u00e9"]:
        assert client.get("/privacy/", {"authority": slug}).status_code == 404
    assert client.post("/privacy/").status_code == 405


def test_operators_edit_the_privacy_notice_in_admin_with_history(personas):
    operator = User.objects.create_superuser("op@example.org", "op-pass-12345", full_name="Op")
    browser = Client()
    browser.force_login(operator)
    northam = personas.authority
    url = reverse("admin:accounts_localauthority_change", args=[northam.pk])
    form = browser.get(url).content.decode()
    assert 'name="privacy_lawful_basis"' in form and 'name="data_protection_officer_email"' in form
    data = {
        "name": northam.name,
        "slug": northam.slug,
        "la_code": northam.la_code,
        "virtual_school_name": northam.virtual_school_name,
        "virtual_school_email": northam.virtual_school_email,
        "data_protection_officer_email": "not an address",
        "privacy_lawful_basis": "Public task, as Northam says.",
    }
    assert browser.post(url, data).status_code == 200  # refused: the address is wrong
    northam.refresh_from_db()
    assert northam.privacy_lawful_basis == ""
    data["data_protection_officer_email"] = "dpo@northam.example"
    assert browser.post(url, data).status_code == 302
    northam.refresh_from_db()
    assert northam.privacy_lawful_basis == "Public task, as Northam says."
    latest = LocalAuthority.history.filter(id=northam.pk).latest("history_date")
    assert latest.history_user == operator
    assert latest.privacy_lawful_basis == "Public task, as Northam says."


def test_help_lists_every_virtual_school_signed_out_and_ones_own_signed_in(client, personas):
    html = client.get("/help/").content.decode()
    for authority in (personas.authority, personas.other_authority):
        assert authority.virtual_school_email in html
    client.force_login(personas.social_worker)
    html = client.get("/help/").content.decode()
    assert personas.authority.virtual_school_email in html
    assert personas.other_authority.virtual_school_email not in html
