"""pep_portal.csv_export's writer: what it writes for each kind of cell (by hand), and that the
usual cells (plain text, whole numbers) skip the per-cell check (issue 20: the check of every
cell of a 50,000-row export was a large part of its time)."""

from decimal import Decimal

from pep_portal import csv_export


def _line(row: list[object]) -> str:
    return csv_export.to_text([row])


def test_each_kind_of_cell_is_written_as_before():
    assert _line(["Zara Quill", "", 7, 0, None, True, Decimal("1250.00"), 2.5]) == (
        "Zara Quill,,7,0,,True,1250.00,2.5\r\n"
    )
    # Formula starts get the apostrophe (defusedcsv's backslash before a pipe), tabs and
    # carriage returns csv_export's own; a plain negative number stays a number.
    assert _line(["=1+2", "-5", "-5x", "@a|b", "\tx", -3]) == ("'=1+2,-5,'-5x,'@a\\|b,'\tx,-3\r\n")


class _Text(str):
    pass


def test_text_of_a_str_subclass_is_still_checked():
    assert _line([_Text("=1"), _Text("fine")]) == "'=1,fine\r\n"


def test_plain_text_and_whole_numbers_skip_the_per_cell_check(monkeypatch):
    checked = []
    real = csv_export._cell

    def counting(value):  # type: ignore[no-untyped-def]
        checked.append(value)
        return real(value)

    monkeypatch.setattr(csv_export, "_cell", counting)
    assert _line(["Zara Quill", "", 42, "2026-03-02T12:00:00+00:00"]) == (
        "Zara Quill,,42,2026-03-02T12:00:00+00:00\r\n"
    )
    assert checked == []
    assert _line(["=x", None, True, Decimal("1.50")]) == "'=x,,True,1.50\r\n"
    assert checked == ["=x", None, True, Decimal("1.50")]
