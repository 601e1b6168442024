"""Where a PEP's RECORDS questions get their answers (peps/sections.py, `Kind.RECORDS`).

The records (attendance in sessions, attainment on the key stage's scales, suspensions and
part-time timetables) are kept by the outcomes app, a layer above this one, so it registers
a reader here from its AppConfig.ready (docs/architecture.md: a lower layer never imports a
higher one). A reader takes a PEP and returns, for each kind of records it keeps, its state
for the PEP's term (sections.RECORDED, TO_CONFIRM, NOT_ASKED, or "" when none are recorded).
"""

from collections.abc import Callable
from typing import Any

from .sections import SectionSpec

Reader = Callable[[Any], dict[str, str]]

_readers: list[Reader] = []


def register_records_reader(reader: Reader) -> None:
    if reader not in _readers:
        _readers.append(reader)


def records_state(pep: Any) -> dict[str, str]:
    """The state of every kind of records for the PEP's term, from the registered readers."""
    states: dict[str, str] = {}
    for reader in _readers:
        states |= reader(pep)
    return states


def records_state_for(pep: Any, specs: list[SectionSpec]) -> dict[str, str]:
    """records_state, read only when one of the sections asks a RECORDS question (the other
    sections need no queries)."""
    return records_state(pep) if any(spec.has_records for spec in specs) else {}
