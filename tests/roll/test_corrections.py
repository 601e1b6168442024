"""The virtual school corrects imported fields by hand; the next import keeps the correction and
says so in its preview, and still takes what nobody corrected."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from children.models import CareEpisode, Child, LegalStatus, Placement, PlacementType
from roll.services import roll_import
from roll.ssda903 import parse_extract
from tests.factories import ChildFactory

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN\nC1,1,01/01/2010,WBRI,UN4\n"
# In care from 1 February 2017 under a full care order (C2), abuse or neglect (N1), with foster
# carers (U4) of the authority's own (PR1).
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,URN\n"
    "C1,01/02/2017,S,C2,N1,U4,PR1,,,SC111111\n"
)
AS_OF = dt.date(2018, 3, 31)


def _run(tmp_path: Path, episodes: str = EPISODES) -> str:
    (tmp_path / "header.csv").write_text(HEADER)
    (tmp_path / "episodes.csv").write_text(episodes)
    out = io.StringIO()
    call_command(
        "import_903",
        "--authority",
        "northam",
        "--as-of",
        AS_OF.isoformat(),
        str(tmp_path / "header.csv"),
        str(tmp_path / "episodes.csv"),
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def imported(personas, tmp_path):  # type: ignore[no-untyped-def]
    assert personas.authority.slug == "northam"
    _run(tmp_path)
    return Child.objects.get(social_care_id="C1")


def _correct(client, child, kind, record, data):  # type: ignore[no-untyped-def]
    url = reverse("imported_record_correct", args=[child.pk, kind, record.pk])
    return client.post(url, data)


def test_a_correction_by_hand_is_kept_by_the_next_import_and_shown_in_its_preview(
    client, personas, imported, tmp_path
):
    episode, placement = imported.episodes.get(), imported.placements.get()
    client.force_login(personas.virtual_school_staff)
    page = client.get(reverse("child_detail", args=[imported.pk])).content.decode()
    assert reverse("imported_record_correct", args=[imported.pk, "placement", placement.pk]) in page

    # The case system has the placement wrong: kinship care (U1), not foster care (U4).
    response = _correct(
        client,
        imported,
        "placement",
        placement,
        {
            "placement_type": "kinship",
            "ssda903_place": "U1",
            "ssda903_provider": "PR1",
            "ofsted_urn": "SC111111",
        },
    )
    assert response.status_code == 302
    # And the legal status: an interim care order (C1).
    _correct(
        client,
        imported,
        "episode",
        episode,
        {
            "legal_status": "ico",
            "emergency_placement": "no",
            "ssda903_legal_status": "C1",
            "ssda903_reason_new": "S",
            "ssda903_category_of_need": "N1",
        },
    )
    placement.refresh_from_db()
    episode.refresh_from_db()
    assert (placement.placement_type, placement.ssda903_place) == (PlacementType.KINSHIP, "U1")
    assert (episode.legal_status, episode.ssda903_legal_status) == ("ico", "C1")
    # Audited: who corrected what, in the record's history.
    latest = placement.history.first()
    assert latest.history_user == personas.virtual_school_staff
    assert latest.history_change_reason == "Corrected by hand: placement_type ssda903_place"

    # Next week's extract still says U4 and C2, and now says the category of need is N4 (which
    # nobody corrected): the preview lists the kept corrections, before anything is written.
    week2 = EPISODES.replace(",N1,", ",N4,")
    (tmp_path / "header.csv").write_text(HEADER)
    (tmp_path / "episodes.csv").write_text(week2)
    files = [("header.csv", HEADER.encode()), ("episodes.csv", week2.encode())]
    preview = roll_import(
        authority=personas.authority,
        extract=parse_extract(files, AS_OF),
        as_of=AS_OF,
        dry_run=True,
    )
    assert preview.differences == [
        "C1: In care from 01 Feb 2017, legal status (corrected by hand): the portal has Interim "
        "care order (section 38), the extract Full care order (section 31) (portal kept)",
        "C1: In care from 01 Feb 2017, legal status (SSDA903 LS) (corrected by hand): the "
        "portal has C1, the extract C2 (portal kept)",
        "C1: Family and friends (kinship) foster care from 01 Feb 2017, placement type "
        "(corrected by hand): the portal has Family and friends (kinship) foster care, the "
        "extract Foster care (portal kept)",
        "C1: Family and friends (kinship) foster care from 01 Feb 2017, placement type (SSDA903 "
        "PLACE) (corrected by hand): the portal has U1, the extract U4 (portal kept)",
    ]
    output = _run(tmp_path, week2)
    assert "Not changed: C1: Family and friends (kinship) foster care from 01 Feb 2017" in output
    placement.refresh_from_db()
    episode.refresh_from_db()
    assert (placement.placement_type, placement.ssda903_place) == (PlacementType.KINSHIP, "U1")
    assert (episode.legal_status, episode.ssda903_legal_status) == (
        LegalStatus.INTERIM_CARE_ORDER,
        "C1",
    )
    # What nobody corrected follows the case system.
    assert episode.ssda903_category_of_need == "N4"


def test_without_a_correction_the_import_takes_the_case_systems_change(
    personas, imported, tmp_path
):
    _run(tmp_path, EPISODES.replace(",U4,", ",U6,"))
    placement = Placement.objects.get(child=imported)
    assert placement.ssda903_place == "U6"


@pytest.mark.parametrize(
    "who", ["other_authority_virtual_school_staff", "designated_teacher", "carer"]
)
def test_people_who_may_not_change_the_child_cannot_correct(client, personas, imported, who):
    client.force_login(getattr(personas, who))
    episode = imported.episodes.get()
    response = _correct(
        client, imported, "episode", episode, {"legal_status": "co", "emergency_placement": "yes"}
    )
    assert response.status_code in (403, 404)
    episode.refresh_from_db()
    assert episode.emergency_placement is False


def test_bad_input_changes_nothing(client, personas, imported):
    client.force_login(personas.virtual_school_staff)
    placement = imported.placements.get()
    wrong = {
        "placement_type": "foster",
        "ssda903_place": "U4",
        "ssda903_provider": "PR1",
        "ofsted_urn": "<script>",
    }
    response = _correct(client, imported, "placement", placement, wrong)
    assert response.status_code == 200
    assert "Enter the Ofsted URN" in response.content.decode()
    unknown = {**wrong, "ofsted_urn": "SC1", "ssda903_place": "Q9"}
    assert _correct(client, imported, "placement", placement, unknown).status_code == 200
    url = reverse("imported_record_correct", args=[imported.pk, "school", placement.pk])
    assert client.post(url, wrong).status_code == 404
    # Another child's time in care through this child's address.
    other = CareEpisode.objects.create(
        child=ChildFactory(authority=personas.authority),
        started_on=dt.date(2017, 1, 1),
        legal_status=LegalStatus.CARE_ORDER,
    )
    assert _correct(client, imported, "episode", other, {"legal_status": "ico"}).status_code == 404
    placement.refresh_from_db()
    assert (placement.ofsted_urn, placement.ssda903_place) == ("SC111111", "U4")
    assert placement.history.count() == 1
