"""Formula injection in the XLSX downloads (pep_portal.xlsx_export): text that a spreadsheet
would run arrives as text, marked with Excel's quote prefix, never as a formula; numbers stay
numbers; a sheet name Excel would refuse is made acceptable."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pep_portal import xlsx_export

PAYLOAD = "cmd|' /C calc'!A0"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "|", "%", "\t", "\r"])
def test_text_that_looks_like_a_formula_stays_text(prefix: str) -> None:
    out = io.BytesIO()
    xlsx_export.write([("Sheet", [["header"], [prefix + PAYLOAD, "plain"]])], out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Sheet"]
    hostile, plain = sheet["A2"], sheet["B2"]
    # Kept as typed (XML reads a carriage return back as a line feed).
    assert hostile.value == (prefix + PAYLOAD).replace("\r", "\n")
    assert hostile.data_type == "s"  # text, not "f" (a formula)
    assert hostile.quotePrefix is True
    assert (plain.value, plain.data_type, plain.quotePrefix) == ("plain", "s", False)


def test_the_raw_file_holds_no_formula() -> None:
    out = io.BytesIO()
    xlsx_export.write([("Sheet", [["=1+1", '=HYPERLINK("http://x")']])], out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as package:
        xml = b"".join(package.read(name) for name in package.namelist())
    assert b"<f>" not in xml and b"<f " not in xml


def test_numbers_dates_and_blanks_keep_their_type() -> None:
    out = io.BytesIO()
    row = [-5, Decimal("75.37"), 0, None, dt.date(2025, 9, 1), True, "\x01bell"]
    xlsx_export.write([("Figures", [["h"], row])], out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Figures"]
    cells = sheet[2]
    assert [c.value for c in cells[:4]] == [-5, 75.37, 0, None]
    assert [c.data_type for c in cells[:3]] == ["n", "n", "n"]
    assert cells[4].value == dt.datetime(2025, 9, 1)
    # A control character XML cannot carry is dropped rather than breaking the file.
    assert [c.value for c in cells[5:]] == ["Yes", "bell"]


def test_sheet_names_are_ones_excel_accepts() -> None:
    taken: set[str] = set()
    assert xlsx_export.sheet_title("a/b:c*d?[e]", taken) == "a b c d  e"
    assert xlsx_export.sheet_title("A/B:C*D?[E]", taken) == "A B C D  E 2"  # case-blind unique
    assert len(xlsx_export.sheet_title("x" * 40, taken)) == 31
