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
