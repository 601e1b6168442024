"""The portal's own icon, not the GOV.UK crown (which is for GOV.UK services only), and
govuk-frontend's MIT licence shipped beside the vendored files."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOVUK = ROOT / "static" / "govuk"


def test_pages_use_the_portals_own_icon(client, db):
    page = client.get("/account/sign-in/").content.decode()
    assert 'href="/static/pep_portal/favicon.ico"' in page
    assert 'href="/static/pep_portal/favicon.svg"' in page
    assert "govuk/assets/images/favicon" not in page
    assert client.get("/static/pep_portal/favicon.svg").status_code == 200
    icon = client.get("/static/pep_portal/favicon.ico")
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_no_crown_icons_are_shipped():
    shipped = sorted(p.name for p in (GOVUK / "assets").rglob("*") if p.is_file())
    # The crest stays only because the compiled CSS names it (a footer class the portal does
    # not use); the favicons, app icons and manifest are gone.
    assert shipped == ["govuk-crest.svg"]


def test_govuk_frontends_mit_licence_is_beside_its_files():
    licence = (GOVUK / "LICENSE.txt").read_text()
    assert licence.startswith("The MIT License (MIT)")
    assert "Copyright (C) 2017 Crown Copyright (Government Digital Service)" in licence
    assert "The above copyright notice and this permission notice shall be included" in licence
    assert "LICENSE.txt" in (GOVUK / "VERSION.md").read_text()
