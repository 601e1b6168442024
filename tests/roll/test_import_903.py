"""The SSDA903 import against the shared files (../shared/data/ssda903, the collection year ending
31 March 2018, imported as of that date). Expected counts come from tests/roll/oracle.py, which
reads the CSV files with the csv module, never from what the import stored."""

import csv
import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from children.models import CareEpisode, Child, Cohort, Placement, RecordWarning
from pep_portal.audit.models import AuditEvent
from tests.factories import LocalAuthorityFactory
from tests.roll import oracle

pytestmark = pytest.mark.skipif(
    not (oracle.SHARED / "header.csv").exists(), reason="../shared/data/ssda903 is not here"
)


def run(*files: Path, dry_run: bool = False) -> str:
    out, err = io.StringIO(), io.StringIO()
    args = ["--authority", "northam", "--as-of", "2018-03-31", *map(str, files)]
    if dry_run:
        args.append("--dry-run")
    call_command("import_903", *args, stdout=out, stderr=err)
    return out.getvalue()


def snapshot(authority) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything the import writes, to prove a second import changes nothing."""
    return {
        "children": list(Child.objects.filter(authority=authority).order_by("pk").values_list()),
        "episodes": list(CareEpisode.objects.order_by("pk").values_list()),
        "placements": list(Placement.objects.order_by("pk").values_list()),
        "history": (
            Child.history.count(),
            CareEpisode.history.count(),
            Placement.history.count(),
        ),
        "warnings": RecordWarning.objects.count(),
    }


@pytest.fixture
def authority(db):  # type: ignore[no-untyped-def]
    return LocalAuthorityFactory(name="Northam Council", slug="northam")


@pytest.fixture
def clean(tmp_path: Path) -> tuple[Path, Path]:
    # Every 20th child of the shared files (the first included), without the refused ones:
    # imported through the ordinary services one child at a time, the whole file is for the
    # benchmark (scripts/bench_import_903.py), not the suite.
    return oracle.write_clean_copy(tmp_path, every=20)


def test_the_import_agrees_with_a_count_of_the_csv_files_and_a_second_import_changes_nothing(
    authority, clean
):
    header, episodes = clean
    want = oracle.expected(oracle.read(header), oracle.read(episodes))
    # The figures, as the oracle counted them from the cleaned shared files on 7 Dec 2026:
    # three children come back into care after leaving, 13 leave by adoption or an order.
    assert (want.children, want.periods, want.open_episodes, want.leavers) == (101, 104, 64, 37)
    assert (want.placements, want.previously_looked_after) == (186, 13)

    started = time.monotonic()
    output = run(header, episodes)
    first_import = time.monotonic() - started

    children = Child.objects.filter(authority=authority)
    assert children.count() == want.children
    assert CareEpisode.objects.filter(child__authority=authority).count() == want.periods
    assert CareEpisode.objects.filter(ended_on__isnull=True).count() == want.open_episodes
    assert children.exclude(cohort=Cohort.LOOKED_AFTER).count() == want.leavers
    assert children.filter(cohort=Cohort.PREVIOUSLY_LOOKED_AFTER).count() == (
        want.previously_looked_after
    )
    assert Placement.objects.filter(child__authority=authority).count() == want.placements
    assert f"{want.children} new children" in output
    # Every child is in care today or left with a reason the return gives.
    assert not CareEpisode.objects.filter(ended_on__isnull=False, ssda903_reason_ceased="").exists()

    before = snapshot(authority)
    second = run(header, episodes)
    assert snapshot(authority) == before
    assert "0 new children, 0 changed placements, 0 left care, 0 came back into care" in second
    assert f"{want.children} children unchanged" in second
    assert AuditEvent.objects.filter(action="imported").count() == 2
    print(f"first import of {want.children} children: {first_import:.1f} s")
    # Re-entries counted by the import agree with the oracle's periods.
    assert f"{want.periods - want.children} came back into care" in output


def test_upns_that_fail_the_check_letter_are_left_out_with_a_warning(authority, clean):
    header, episodes = clean
    run(header, episodes)
    # Counted by hand from the file: child 566910's UPN D051910639385 fails the check letter.
    child = Child.objects.get(social_care_id="566910")
    assert child.upn == ""
    assert child.record_warnings.filter(
        field="upn", message__startswith="UPN D051910639385 not imported"
    ).exists()


def test_the_unmodified_shared_files_are_refused_naming_every_bad_row(authority):
    header = oracle.SHARED / "header.csv"
    episodes = oracle.SHARED / "episodes.csv"
    bad = {
        child
        for child, rows in oracle.episodes_by_child(oracle.read(episodes)).items()
        if oracle.is_bad(rows)
    }
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_903",
            "--authority",
            "northam",
            "--as-of",
            "2018-03-31",
            str(header),
            str(episodes),
            stderr=err,
        )
    assert Child.objects.count() == 0
    named = {line.split(",")[1].strip() for line in err.getvalue().splitlines()}
    # Every child the oracle finds bad has a named line, and only lines of those children.
    with episodes.open(newline="") as stream:
        child_of_line = {
            f"line {n}": row["CHILD"] for n, row in enumerate(csv.DictReader(stream), start=2)
        }
    assert {child_of_line[line] for line in named} == bad


def test_one_bad_row_refuses_the_file_and_names_file_line_and_field(authority, clean, tmp_path):
    header, episodes = clean
    text = episodes.read_text().splitlines()
    fields = text[5].split(",")
    fields[3] = "Q9"  # LS: no such legal status
    text[5] = ",".join(fields)
    broken = tmp_path / "broken_episodes.csv"
    broken.write_text("\n".join(text) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_903",
            "--authority",
            "northam",
            "--as-of",
            "2018-03-31",
            str(header),
            str(broken),
            stderr=err,
        )
    assert err.getvalue().strip() == (
        'broken_episodes.csv, line 6, LS: "Q9" is not an SSDA903 LS code'
    )
    assert Child.objects.count() == 0


def test_a_dry_run_saves_nothing_but_says_what_would_change(authority, clean):
    header, episodes = clean
    want = oracle.expected(oracle.read(header), oracle.read(episodes))
    output = run(header, episodes, dry_run=True)
    assert f"Would import: {want.children} new children" in output
    assert Child.objects.count() == 0
    assert not AuditEvent.objects.filter(action="imported").exists()


def _as_xml(header: Path, episodes: Path, target: Path) -> Path:
    """The same children as one XML file, written with the standard library: a CHILD element
    holding HEADER and EPISODE elements, dates in XML's own form."""
    from xml.etree import ElementTree as ET

    def iso(text: str) -> str:
        return oracle.day(text).isoformat() if text else ""

    root = ET.Element("Children")
    by_child = oracle.episodes_by_child(oracle.read(episodes))
    for row in oracle.read(header):
        child = ET.SubElement(root, "CHILD")
        head = ET.SubElement(child, "HEADER")
        for column, value in row.items():
            ET.SubElement(head, column).text = iso(value) if column == "DOB" else value
        for episode in by_child.get(row["CHILD"], []):
            element = ET.SubElement(child, "EPISODE")
            for column, value in episode.items():
                if column == "CHILD":
                    continue
                dated = column in ("DECOM", "DEC")
                ET.SubElement(element, column).text = iso(value) if dated else value
    ET.indent(root)
    target.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return target


def _roll(authority) -> set[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    children = {
        (c.social_care_id, c.date_of_birth, c.gender, c.upn, c.ethnicity, c.cohort)
        for c in Child.objects.filter(authority=authority)
    }
    episodes = set(
        CareEpisode.objects.filter(child__authority=authority).values_list(
            "child__social_care_id",
            "started_on",
            "ended_on",
            "legal_status",
            "emergency_placement",
            "ssda903_legal_status",
            "ssda903_reason_ceased",
        )
    )
    placements = set(
        Placement.objects.filter(child__authority=authority).values_list(
            "child__social_care_id", "started_on", "ended_on", "ssda903_place", "ofsted_urn"
        )
    )
    return children | episodes | placements


def test_xml_and_csv_of_the_same_children_give_the_same_roll(authority, clean, tmp_path):
    header, episodes = clean
    xml = _as_xml(header, episodes, tmp_path / "extract.xml")
    other = LocalAuthorityFactory(name="Southam Council", slug="southam")
    run(header, episodes)
    call_command(
        "import_903",
        "--authority",
        "southam",
        "--as-of",
        "2018-03-31",
        str(xml),
        stdout=io.StringIO(),
    )
    assert Child.objects.filter(authority=other).count() == 101
    assert _roll(other) == _roll(authority)


def test_a_hostile_xml_file_is_refused(authority, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Children><CHILD><HEADER>'
        "<CHILD>&b;</CHILD></HEADER></CHILD></Children>"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_903", "--authority", "northam", "--as-of", "2018-03-31", str(bomb), stderr=err
        )
    assert "declares a DTD or entities" in err.getvalue()
    assert Child.objects.count() == 0
