"""The DfE Unique Pupil Number (UPN): normalising what people type, and checking it.

A UPN is 13 characters: a check letter, then the LA code (3 digits), the establishment number
(4 digits), the last two digits of the year it was issued and a 3-character serial. A temporary
UPN ends in a letter instead of a digit. The check letter is the Common Basic Data Set rule: the
characters in positions 2 to 13 are weighted by their position (2 to 13), a final letter counts
as its place in the check alphabet, and the sum modulo 23 picks the letter.
"""

import re

from django.core.exceptions import ValidationError

# The 26 letters without I, O and S, which are too easily read as 1, 0 and 5. The same alphabet
# gives the check letter and the final letter of a temporary UPN.
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

# Written with explicit ASCII classes: `\d` would also accept digits from other scripts.
_BODY = re.compile(rf"[0-9]{{11}}[0-9{CHECK_ALPHABET}]")
_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")

FORMAT_MESSAGE = (
    "Enter a UPN of 13 characters: a letter followed by 12 digits "
    "(the last may be a letter for a temporary UPN)"
)
CHECK_LETTER_MESSAGE = "This UPN's check letter is wrong: check it was typed correctly"
TEMPORARY_LETTER_MESSAGE = (
    "The last character of a temporary UPN cannot be I, O or S: check it was typed correctly"
)


def normalise_upn(value: str) -> str:
    """The UPN as stored: without spaces (people copy it in groups) and in capitals."""
    return "".join(value.split()).upper()


def upn_check_letter(body12: str) -> str:
    """The check letter for the 12 characters after it (11 digits, then a digit or a letter)."""
    if not _BODY.fullmatch(body12):
        raise ValueError(f"Not the 12 characters of a UPN after its check letter: {body12!r}")
    total = 0
    for weight, char in enumerate(body12, start=2):
        value = int(char) if char.isdigit() else CHECK_ALPHABET.index(char)
        total += weight * value
    return CHECK_ALPHABET[total % 23]


def validate_upn(value: str) -> None:
    """Raise ValidationError unless `value`, once normalised, is a well-formed UPN."""
    upn = normalise_upn(value)
    if not _SHAPE.fullmatch(upn):
        raise ValidationError(FORMAT_MESSAGE, code="upn_format")
    if upn[-1] in "IOS":
        raise ValidationError(TEMPORARY_LETTER_MESSAGE, code="upn_format")
    # I, O and S are never check letters either, so a UPN starting with one fails here.
    if upn[0] != upn_check_letter(upn[1:]):
        raise ValidationError(CHECK_LETTER_MESSAGE, code="upn_check_letter")
