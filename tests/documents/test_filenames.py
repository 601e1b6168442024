"""PDF file names: the child's initials and the PEP's date, safe for any name."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.pdf import initials, pep_date, pep_pdf_filename

DAY = dt.date(2026, 11, 10)
SAFE = re.compile(r"^[A-Z]{1,2}_\d{4}-\d{2}-\d{2}_PEP\.pdf$|^Child_\d{4}-\d{2}-\d{2}_PEP\.pdf$")


def child(first: str, last: str) -> SimpleNamespace:
    return SimpleNamespace(legal_first_name=first, legal_last_name=last)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Aoife", "O'Neill", "AO_2026-11-10_PEP.pdf"),
        ("Amy", "Brooks-Walker", "AB_2026-11-10_PEP.pdf"),
        ("Zoë", "Ångström", "ZA_2026-11-10_PEP.pdf"),
        ("X", "Quill", "XQ_2026-11-10_PEP.pdf"),
        ("X", "Y", "XY_2026-11-10_PEP.pdf"),
        ("Ørjan", "Łukasz", "OL_2026-11-10_PEP.pdf"),
        ("Æthelred", "Þórsson", "AT_2026-11-10_PEP.pdf"),
        ("'Aisha", " d'Souza ", "AD_2026-11-10_PEP.pdf"),
        ("Élodie", "", "E_2026-11-10_PEP.pdf"),
        ("", "-", "Child_2026-11-10_PEP.pdf"),
        ("Иван", "Петров", "Child_2026-11-10_PEP.pdf"),
        ("李", "Smith", "S_2026-11-10_PEP.pdf"),
    ],
)
def test_file_names_use_ascii_initials_for_awkward_names(first, last, expected):
    assert pep_pdf_filename(child(first, last), DAY) == expected


@given(st.text(), st.text())
def test_any_name_gives_a_safe_file_name(first, last):
    name = pep_pdf_filename(child(first, last), DAY)
    assert SAFE.match(name), name
    assert len(initials(first, last)) <= 5


def test_the_pep_date_is_the_meeting_then_the_due_date_then_the_day_it_was_set_up():
    pep = SimpleNamespace(
        meeting_on=dt.date(2026, 11, 10),
        due_on=dt.date(2026, 12, 31),
        created_at=dt.datetime(2026, 9, 1, 23, 30, tzinfo=dt.UTC),
    )
    assert pep_date(pep) == dt.date(2026, 11, 10)
    pep.meeting_on = None
    assert pep_date(pep) == dt.date(2026, 12, 31)
    pep.due_on = None
    # 23:30 UTC on 1 September is 00:30 on the 2nd in London (BST).
    assert pep_date(pep) == dt.date(2026, 9, 2)
