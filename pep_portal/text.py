"""Text PostgreSQL cannot store.

PostgreSQL refuses the NUL character (U+0000) in every text column and in JSON (`\\u0000`
cannot be converted to text): a value holding one makes the whole write fail. Nobody types it
on purpose; it arrives pasted from a broken document or from someone probing the portal. The
request middleware and the forms take it out (pep_portal/middleware.py, pep_portal/forms.py);
services keep these helpers for values that reach them another way.
"""

from typing import Any

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
