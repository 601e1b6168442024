"""The change histories of a child's records kept by apps above this one, for the child's
audit trail (selectors.child_audit_trail).

The education outcomes (attendance, attainment, suspensions, part-time timetables, times
without a setting) are kept by the outcomes app, a layer above this one, so it registers its
histories here from its AppConfig.ready, as it registers its PEP records reader with
peps/records.py (docs/architecture.md: a lower layer never imports a higher one). A source
takes a child's pk and returns (history queryset of that child's records, label) pairs.
"""

from collections.abc import Callable, Iterable
from typing import Any

HistorySource = Callable[[int], Iterable[tuple[Any, str]]]

_sources: list[HistorySource] = []


def register_history_source(source: HistorySource) -> None:
    if source not in _sources:
        _sources.append(source)


def registered_histories(child_pk: int) -> list[tuple[Any, str]]:
    """(history queryset, label) from every registered source, for one child."""
    return [pair for source in _sources for pair in source(child_pk)]
