"""The upload page: a virtual school administrator previews the extract (nothing saved), then
imports exactly what was previewed, kept in between through Django's storage API."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from children.models import Child
from roll.models import RollImport, RollImportStatus, extract_storage

HEADER = (
    "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,2,27/03/2008,WBRI,UN4,,\nA2,1,14/02/2010,BAFR,,,\n"
)
# A1: in care from 15/02/2016, moved 14/08/2017. A2: in care 01/05/2017, home 01/02/2018 (E4A).
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    "A1,15/02/2016,S,C2,N1,U4,PR1,14/08/2017,X1,,,,SC123456\n"
    "A1,14/08/2017,P,C2,N1,U6,PR4,,,CARPL,,,SC654321\n"
    "A2,01/05/2017,S,V2,N4,U1,PR1,01/02/2018,E4A,,,,\n"
)


def _files(header: str = HEADER, episodes: str = EPISODES) -> dict[str, object]:
    return {
        "first_file": SimpleUploadedFile("header.csv", header.encode(), "text/csv"),
        "second_file": SimpleUploadedFile("episodes.csv", episodes.encode(), "text/csv"),
        "as_of_0": "31",
        "as_of_1": "3",
        "as_of_2": "2018",
    }


@pytest.fixture
def admin_client(client, personas):  # type: ignore[no-untyped-def]
    client.force_login(personas.virtual_school_administrator)
    return client


def test_preview_saves_nothing_then_confirm_imports_what_was_previewed(
    admin_client, personas, django_capture_on_commit_callbacks
):
    response = admin_client.post(reverse("roll_upload"), _files())
    upload = RollImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("roll_preview", args=[upload.key.hex])
    assert Child.objects.count() == 0
    assert upload.status == RollImportStatus.PREVIEWED
    assert upload.as_of == dt.date(2018, 3, 31)
    stored = f"{upload.storage_prefix}/0-header.csv"
    assert extract_storage().exists(stored)

    page = admin_client.get(response["Location"]).content.decode()
    assert "2 new children, 0 changed placements, 1 left care, 0 came back into care" in page
    assert "No UPN (UN4: Child newly looked after: UPN not yet obtained)" in page

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(response["Location"], {"action": "confirm"})
    assert done.status_code == 302
    upload.refresh_from_db()
    assert upload.status == RollImportStatus.IMPORTED
    assert not extract_storage().exists(stored)
    a1 = Child.objects.get(social_care_id="A1", authority=personas.authority)
    assert [
        (p.started_on, p.ended_on, p.ssda903_place, p.ofsted_urn)
        for p in a1.placements.order_by("started_on")
    ] == [
        (dt.date(2016, 2, 15), dt.date(2017, 8, 13), "U4", "SC123456"),
        (dt.date(2017, 8, 14), None, "U6", "SC654321"),
    ]
    a2 = Child.objects.get(social_care_id="A2")
    assert a2.cohort == "left_care"
    assert a2.episodes.get().end_reason.startswith("Returned home")
    # The warning is on A1's record page for the virtual school.
    record = admin_client.get(reverse("child_detail", args=[a1.pk])).content.decode()
    assert "UPN not yet obtained" in record

    # Confirming twice imports nothing more.
    admin_client.post(response["Location"], {"action": "confirm"})
    assert Child.objects.count() == 2


def test_a_refused_extract_lists_file_line_and_field_and_keeps_no_file(admin_client):
    bad = EPISODES.replace("A2,01/05/2017,S,V2", "A2,31/02/2017,S,V2")
    response = admin_client.post(reverse("roll_upload"), _files(episodes=bad))
    upload = RollImport.objects.get()
    assert upload.status == RollImportStatus.REFUSED
    assert upload.storage_prefix == ""
    page = admin_client.get(response["Location"]).content.decode()
    assert "episodes.csv, line 4, DECOM: &quot;31/02/2017&quot; is not a real date" in page
    assert "Import</button>" not in page


def test_discard_forgets_the_files(admin_client, django_capture_on_commit_callbacks):
    response = admin_client.post(reverse("roll_upload"), _files())
    upload = RollImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(response["Location"], {"action": "discard"})
    upload.refresh_from_db()
    assert upload.status == RollImportStatus.DISCARDED
    assert not extract_storage().exists(f"{upload.storage_prefix}/0-header.csv")
    assert Child.objects.count() == 0


def test_only_virtual_school_administrators_may_upload(client, personas):
    client.force_login(personas.virtual_school_staff)
    assert client.get(reverse("roll_upload")).status_code == 403
    assert client.post(reverse("roll_upload"), _files()).status_code == 403
    assert not RollImport.objects.exists()


def test_another_authoritys_upload_is_not_found(admin_client, personas, client):
    response = admin_client.post(reverse("roll_upload"), _files())
    other = personas.other_authority_virtual_school_staff
    other.is_vs_administrator = True
    other.save()
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404
    assert client.post(response["Location"], {"action": "confirm"}).status_code == 404
    assert Child.objects.count() == 0


def test_a_file_that_is_neither_csv_nor_xml_is_refused_by_the_form(admin_client):
    files = _files()
    files["first_file"] = SimpleUploadedFile("header.txt", b"hello", "text/plain")
    page = admin_client.post(reverse("roll_upload"), files).content.decode()
    assert "The file must be a CSV (.csv) or XML (.xml) file" in page
    assert not RollImport.objects.exists()
