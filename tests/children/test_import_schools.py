"""Importing schools from GIAS: the real DfE samples, and files made here to be wrong."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from children import school_import
from children.models import School, SchoolType
from children.school_import import parse_gias_csv

GIAS = Path(__file__).resolve().parent.parent / "fixtures" / "gias"
EDUBASE = GIAS / "schools_experience_edubase_sample.csv"
COLUMNS_2024 = GIAS / "schools_experience_example_schools_2024cols.csv"

HEADER = [
    "URN",
    "EstablishmentName",
    "LA (code)",
    "LA (name)",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "Town",
    "Postcode",
]


def school(**columns: str) -> dict[str, str]:
    """A fictional GIAS row; keyword arguments replace its columns (spaces become "_")."""
    row = {
        "URN": "900001",
        "EstablishmentName": "Northam Primary School",
        "LA (code)": "801",
        "LA (name)": "Northam",
        "TypeOfEstablishment (name)": "Community school",
        "EstablishmentTypeGroup (name)": "Local authority maintained schools",
        "EstablishmentStatus (name)": "Open",
        "PhaseOfEducation (name)": "Primary",
        "Town": "Northam",
        "Postcode": "NM1 1AA",
    }
    aliases = {"name": "EstablishmentName", "type": "TypeOfEstablishment (name)"}
    aliases |= {"group": "EstablishmentTypeGroup (name)", "status": "EstablishmentStatus (name)"}
    row.update({aliases.get(key, key): value for key, value in columns.items()})
    return row


def gias_csv(*rows: dict[str, str], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_schools", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


NOT_CSV = (
    "This is not a CSV file. Download the establishment CSV from Get Information About "
    "Schools, or save the spreadsheet as CSV."
)


def errors_of(data: bytes) -> list[str]:
    return [str(error) for error in parse_gias_csv(data).errors]


# The real DfE samples


def test_edubase_sample_imports_its_four_schools(db):
    out, _ = run(EDUBASE)

    assert "Imported 4 schools: 4 new, 0 updated, 0 unchanged; 0 closed" in out
    assert sorted(School.objects.values_list("urn", "la_code")) == [
        (100171, "203"),
        (100459, "206"),
        (100492, "207"),
        (100494, "207"),
    ]
    st_thomas = School.objects.get(urn=100492)
    assert st_thomas.name == "St Thomas' CofE Primary School"
    assert st_thomas.la_name == "Kensington and Chelsea"
    assert st_thomas.school_type == SchoolType.MAINTAINED  # voluntary aided
    assert st_thomas.phase == "Primary"
    assert st_thomas.address == "Appleford Road, North Kensington, London, W10 5EF"
    assert st_thomas.is_open
    all_through = School.objects.get(urn=100171)
    assert all_through.name == "Saint Mary Magdalene Church of England All Through School"
    assert (all_through.la_name, all_through.phase) == ("Greenwich", "All through")
    assert all_through.locality == ""
    assert School.objects.get(urn=100459).name == "St Aloysius RC College"


def test_2024_layout_imports_with_its_closed_academy_closed(db):
    out, _ = run(COLUMNS_2024)

    assert "Imported 2 schools: 2 new, 0 updated, 0 unchanged; 1 closed" in out
    special = School.objects.get(urn=138130)
    assert (special.name, special.la_code, special.la_name) == ("Example Academy", "355", "Salford")
    assert special.school_type == SchoolType.SPECIAL  # "Academy special converter"
    assert special.phase == ""  # GIAS says "Not applicable"
    assert special.is_open
    closed = School.objects.get(urn=140134)
    assert closed.school_type == SchoolType.ACADEMY
    assert closed.la_code == "207"
    assert not closed.is_open


def test_reimporting_the_same_file_changes_nothing_and_adds_no_history(db):
    run(EDUBASE)
    history = School.history.count()

    out, _ = run(EDUBASE)

    assert "Imported 4 schools: 0 new, 0 updated, 4 unchanged; 0 closed" in out
    assert School.objects.count() == 4
    assert School.history.count() == history == 4


def test_reimporting_a_changed_school_updates_it_with_one_history_version(db, tmp_path):
    run(EDUBASE)
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes(EDUBASE.read_bytes().replace(b"St Aloysius RC", b"St Aloysius Catholic"))

    out, _ = run(renamed)

    assert "0 new, 1 updated, 3 unchanged" in out
    school = School.objects.get(urn=100459)
    assert school.name == "St Aloysius Catholic College"
    assert [h.name for h in school.history.all()] == [
        "St Aloysius Catholic College",
        "St Aloysius RC College",
    ]


def test_a_dry_run_reports_the_counts_and_saves_nothing(db):
    out, _ = run(EDUBASE, "--dry-run")

    assert "Dry run, nothing saved. Would import 4 schools: 4 new" in out
    assert not School.objects.exists()
    assert not School.history.exists()


# Rows with problems: reported by line, and nothing written


def test_one_bad_urn_among_good_rows_is_reported_by_line_and_nothing_is_written(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(EDUBASE.read_bytes().replace(b"\n100459,", b"\n10045X,"))

    with pytest.raises(CommandError, match="1 problem"):
        run(bad)

    assert not School.objects.exists()
    assert errors_of(bad.read_bytes()) == ['line 3: the URN "10045X" is not a number']


def test_the_command_prints_each_error_as_line_and_message_on_stderr(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(gias_csv(school(), school(URN="12"), school(URN="900003", name="")))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_schools", str(bad), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "line 3: the URN 12 is not a 6-digit number from 100000 to 999999",
        "line 4: the establishment name is missing",
    ]


# Digits to Python's int(), but not the digits a URN is written in.
FULL_WIDTH_URN = "".join(chr(0xFF10 + int(d)) for d in "123456")


@pytest.mark.parametrize(
    ("urn", "message"),
    [
        ("", "the URN is missing"),
        ("   ", "the URN is missing"),
        ("-100000", 'the URN "-100000" is not a number'),
        ("1e5", 'the URN "1e5" is not a number'),
        (FULL_WIDTH_URN, f'the URN "{FULL_WIDTH_URN}" is not a number'),
        ("099999", "the URN 099999 is not a 6-digit number from 100000 to 999999"),
        ("1000000", "the URN 1000000 is not a 6-digit number from 100000 to 999999"),
    ],
)
def test_a_missing_or_malformed_urn_is_an_error(urn, message):
    assert errors_of(gias_csv(school(URN=urn))) == [f"line 2: {message}"]


def test_line_numbers_count_line_breaks_inside_quoted_fields():
    header = [*HEADER, "Notes"]
    data = gias_csv(
        school(Notes="moved site\nin 2019\nand again"),  # lines 2 to 4
        school(URN="x", Notes="two\r\nlines"),  # lines 5 and 6
        header=header,
    )
    assert errors_of(data) == ['line 5: the URN "x" is not a number']


def test_the_same_urn_twice_is_an_error_on_the_second():
    assert errors_of(gias_csv(school(), school(name="Other"))) == [
        "line 3: URN 900001 is also on line 2"
    ]


def test_an_over_long_name_is_reported_not_truncated():
    data = gias_csv(school(name="N" * 200), school(URN="900002", name="N" * 201))
    assert errors_of(data) == [
        'line 3: "EstablishmentName" is 201 characters long; at most 200 fit'
    ]


def test_an_over_long_postcode_is_reported():
    errors = errors_of(gias_csv(school(Postcode="NM1 1AA NM1 1AA")))
    assert errors == ['line 2: "Postcode" is 15 characters long; at most 10 fit']


def test_a_row_with_too_few_or_too_many_values_is_reported():
    good = gias_csv(school()).decode()
    data = (good + '"900002","Short"\r\n' + good.splitlines()[1] + ',"extra"\r\n').encode()
    assert errors_of(data) == [
        "line 3: this row has 2 values but the header has 10 columns: check the file was not "
        "damaged (a stray quote mark can do this)",
        "line 4: this row has 11 values but the header has 10 columns: check the file was not "
        "damaged (a stray quote mark can do this)",
    ]


# Types, status and the optional columns


@pytest.mark.parametrize(
    ("gias_type", "expected"),
    [
        ("Foundation school", SchoolType.MAINTAINED),
        ("Local authority nursery school", SchoolType.NURSERY),
        ("Academy sponsor led", SchoolType.ACADEMY),
        ("Studio schools", SchoolType.FREE),
        ("University technical college", SchoolType.FREE),
        ("Non-maintained special school", SchoolType.SPECIAL),
        ("Other independent special school", SchoolType.INDEPENDENT),
        ("Pupil referral unit", SchoolType.PUPIL_REFERRAL_UNIT),
        ("Academy alternative provision sponsor led", SchoolType.ALTERNATIVE_PROVISION),
        ("Academy 16-19 converter", SchoolType.POST_16),
        ("Further education", SchoolType.POST_16),
        ("  sixth FORM centres ", SchoolType.POST_16),
    ],
)
def test_gias_types_map_to_the_portals_school_types(gias_type, expected):
    (row,) = parse_gias_csv(gias_csv(school(type=gias_type))).rows
    assert row.school_type == expected


def test_an_unknown_type_is_placed_by_its_group():
    data = gias_csv(school(type="Academy moon base", group="Academies"))
    assert parse_gias_csv(data).rows[0].school_type == SchoolType.ACADEMY


def test_an_unknown_type_in_an_unknown_group_is_an_error_not_a_maintained_school():
    errors = errors_of(gias_csv(school(type="Moon base", group="Other types")))
    assert errors == [
        'line 2: the establishment type "Moon base" (group "Other types") is not one the '
        "portal knows"
    ]


def test_establishments_outside_the_portal_are_left_out_and_counted(db, tmp_path):
    path = tmp_path / "gias.csv"
    path.write_bytes(gias_csv(school(), school(URN="900002", type="Welsh establishment")))

    out, _ = run(path)

    assert "Left out 1 establishments of types the portal does not hold: Welsh establishment" in out
    assert list(School.objects.values_list("urn", flat=True)) == [900001]


@pytest.mark.parametrize(
    ("status", "is_open"),
    [("Open", True), ("Closed", False), ("Open, but proposed to close", True)],
)
def test_only_a_closed_status_closes_a_school(status, is_open):
    assert parse_gias_csv(gias_csv(school(status=status))).rows[0].is_open is is_open


def test_spaces_around_values_are_stripped():
    (row,) = parse_gias_csv(gias_csv(school(URN=" 900001 ", name="  Northam  ", Town=" X "))).rows
    assert (row.urn, row.name, row.town) == (900001, "Northam", "X")


def test_an_email_column_is_used_when_the_file_has_one_and_checked():
    header = [*HEADER, "MainEmail"]
    result = parse_gias_csv(
        gias_csv(
            school(MainEmail="office@northam.example"),
            school(URN="900002", MainEmail="not an address"),
            header=header,
        )
    )
    assert result.rows[0].email == "office@northam.example"
    assert [str(e) for e in result.errors] == [
        'line 3: "MainEmail" is not a valid e-mail address: "not an address"'
    ]


def test_a_column_the_file_lacks_leaves_the_schools_value_alone(db, tmp_path):
    School.objects.create(
        urn=900001,
        name="Old name",
        la_code="801",
        school_type=SchoolType.MAINTAINED,
        email="office@northam.example",
    )
    path = tmp_path / "gias.csv"
    path.write_bytes(gias_csv(school()))

    run(path)

    school_ = School.objects.get(urn=900001)
    assert (school_.name, school_.email) == ("Northam Primary School", "office@northam.example")


# Encodings and hostile files


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_utf8_file_keeps_accented_names_intact(db, tmp_path, encoding):
    path = tmp_path / "accents.csv"
    names = ["École Saint-Étienne", "Ysgol Gymraeg Llundain \N{EN DASH} Côr", "Zoë's Nursery"]
    rows = [school(URN=str(900001 + i), name=name) for i, name in enumerate(names)]
    path.write_bytes(gias_csv(*rows, encoding=encoding))

    run(path)

    assert sorted(School.objects.values_list("name", flat=True)) == sorted(names)


def test_a_windows_1252_file_as_gias_serves_it_keeps_accented_names_intact():
    data = gias_csv(school(name="Notre Dame \N{EN DASH} École Française"), encoding="cp1252")
    assert parse_gias_csv(data).rows[0].name == "Notre Dame \N{EN DASH} École Française"


def test_formula_like_text_is_stored_as_literal_text(db, tmp_path):
    formula = "=cmd|' /C calc'!A0"
    path = tmp_path / "formula.csv"
    path.write_bytes(gias_csv(school(name=formula, Town="+SUM(1,2)")))

    run(path)

    school_ = School.objects.get(urn=900001)
    assert (school_.name, school_.town) == (formula, "+SUM(1,2)")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_CSV),
        (b"PK\x03\x04\x14\x00\x06\x00", NOT_CSV),  # an .xlsx
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        (
            b"LA (code),EstablishmentName,TypeOfEstablishment (name)\r\n801,Northam,Free schools",
            'This is not a GIAS establishment file: it has no "URN" column.',
        ),
        (
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            'This is not a GIAS establishment file: it has no "URN", no "EstablishmentName", '
            'no "TypeOfEstablishment (name) or EstablishmentTypeGroup (name)" column.',
        ),
    ],
)
def test_a_file_that_is_not_a_gias_csv_gives_one_clear_error_and_no_rows(data, message):
    result = parse_gias_csv(data)
    assert [str(e) for e in result.errors] == [message]
    assert result.rows == []


def test_the_command_refuses_a_png_with_a_clear_error(db, tmp_path):
    path = tmp_path / "logo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_schools", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().startswith("This is not a CSV file.")


def test_the_command_reports_a_file_it_cannot_open(db, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.csv: No such file"):
        run(tmp_path / "missing.csv")


def test_a_file_over_the_size_limit_is_refused_unread(monkeypatch):
    monkeypatch.setattr(school_import, "MAX_FILE_BYTES", 1024 * 1024)
    data = gias_csv(school()) + b" " * (1024 * 1024)
    assert errors_of(data) == ["The file is larger than 1 MB."]


def test_a_file_with_too_many_rows_is_refused_whole(monkeypatch):
    monkeypatch.setattr(school_import, "MAX_ROWS", 2)
    data = gias_csv(*(school(URN=str(900001 + i)) for i in range(3)))
    result = parse_gias_csv(data)
    assert [str(e) for e in result.errors] == [
        "The file has more than 2 rows, more than there are establishments in England: it is "
        "not a GIAS establishment file."
    ]
    assert result.rows == []


def test_a_field_too_large_for_csv_is_refused_whole():
    data = gias_csv(school(Town="x" * 200_000))
    assert errors_of(data) == [
        "line 2: the file is not valid CSV: field larger than field limit (131072)"
    ]
