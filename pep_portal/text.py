"""Text PostgreSQL cannot store.

PostgreSQL refuses the NUL character (U+0000) in every text column and in JSON (`\\u0000`
cannot be converted to text): a value holding one makes the whole write fail. Nobody types it
on purpose; it arrives pasted from a broken document or from someone probing the portal. The
request middleware and the forms take it out (pep_portal/middleware.py, pep_portal/forms.py);
services keep these helpers for values that reach them another way.
"""

from typing import Any

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """Whether `value` (text, or lists and dicts of it) holds a NUL anywhere, keys included."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def without_nul(value: Any) -> Any:
    """`value` with every NUL removed from its text (keys included); anything else as it is."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)
    return value


def form_data_without_nul(data: Any) -> tuple[Any, frozenset[str]]:
    """Submitted form data (a QueryDict, or any dict of text or lists of text) without NULs,
    and the names of the values they were taken from. Data the request middleware has already
    cleaned carries those names with it (`nul_removed`)."""
    removed = frozenset(getattr(data, "nul_removed", ()))
    if not any(contains_nul(key) for key in data) and not any(
        contains_nul(values) for values in _lists(data)
    ):
        return data, removed
    if isinstance(data, QueryDict):
        cleaned: Any = QueryDict(mutable=True, encoding=data.encoding)
        for key, values in data.lists():
            cleaned.setlist(without_nul(key), without_nul(list(values)))
            if contains_nul(key) or contains_nul(values):
                removed |= {without_nul(key)}
        cleaned._mutable = False
    else:
        cleaned = type(data)()
        for key, value in data.items():
            cleaned[without_nul(key)] = without_nul(value)
            if contains_nul(key) or contains_nul(value):
                removed |= {without_nul(key)}
    cleaned.nul_removed = removed
    return cleaned, removed


def _lists(data: Any) -> list[Any]:
    if isinstance(data, MultiValueDict):
        return [values for _, values in data.lists()]
    return list(data.values())


def decode_upload(data: bytes) -> str | None:
    """An uploaded text file (CSV, XML) as text, or None if it is neither encoding: Excel's
    "CSV UTF-8" starts with a byte-order mark; GIAS and older case systems write Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
