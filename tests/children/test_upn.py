"""UPN check letters. Every UPN here is fictional: made up and given its letter by the rule."""

import pytest
from django.core.exceptions import ValidationError

from children.upn import (
    CHECK_LETTER_MESSAGE,
    FORMAT_MESSAGE,
    TEMPORARY_LETTER_MESSAGE,
    normalise_upn,
    upn_check_letter,
    validate_upn,
)


def test_check_letter_matches_a_sum_worked_by_hand():
    # 8x2 + 0x3 + 1x4 + 2x5 + 0x6 + 0x7 + 0x8 + 0x9 + 5x10 + 0x11 + 0x12 + 1x13 = 93;
    # 93 mod 23 = 1, and the letter at 1 is B.
    assert upn_check_letter("801200005001") == "B"


def test_check_letter_agrees_with_the_python_stdnum_documented_example():
    # python-stdnum's gb.upn documents B801200005001 as valid and A801200005001 as not.
    validate_upn("B801200005001")
    with pytest.raises(ValidationError):
        validate_upn("A801200005001")


def test_check_letter_of_a_temporary_upn_counts_its_last_letter_by_the_check_alphabet():
    # As above but the last character is H, which is 7 in the 23-letter alphabet (no I, O, S):
    # 93 - 1x13 + 7x13 = 171; 171 mod 23 = 10, which is L.
    assert upn_check_letter("80120000500H") == "L"
    assert upn_check_letter("80120000500A") == "M"


@pytest.mark.parametrize(
    "upn",
    ["B801200005001", "Q801200005002", "B212345624001", "A801234525137"],
)
def test_valid_upns_pass(upn):
    validate_upn(upn)


@pytest.mark.parametrize("upn", ["M80120000500A", "L80120000500H", "C80123452513T"])
def test_temporary_upns_ending_in_a_letter_pass(upn):
    validate_upn(upn)


@pytest.mark.parametrize("upn", ["C801200005001", "B801200005002", "Q801200005001"])
def test_a_wrong_check_letter_is_refused(upn):
    with pytest.raises(ValidationError) as raised:
        validate_upn(upn)
    assert raised.value.messages == [CHECK_LETTER_MESSAGE]


def test_a_transposition_of_two_digits_is_caught():
    # Swapping the 5 and the 0 before it changes the weighted sum, so B no longer fits.
    with pytest.raises(ValidationError):
        validate_upn("B801200050001")


@pytest.mark.parametrize(
    "upn",
    [
        "",
        "B80120000500",  # 12 characters
        "B8012000050011",  # 14 characters
        "801200005001",  # no check letter
        "1801200005001",  # a digit where the check letter goes
        "B8012A0005001",  # a letter in the middle
        "B80120000500-",
        # Arabic-Indic digits are digits to Python, not to the DfE.
        "B" + "".join(chr(0x0660 + int(d)) for d in "801200005001"),
    ],
)
def test_the_wrong_shape_is_refused_with_the_format_message(upn):
    with pytest.raises(ValidationError) as raised:
        validate_upn(upn)
    assert raised.value.messages == [FORMAT_MESSAGE]


def test_lower_case_and_spaces_are_normalised():
    assert normalise_upn("  b801 2000 05001 ") == "B801200005001"
    assert normalise_upn("l8012\t0000500h") == "L80120000500H"
    validate_upn(" b 801 200 005 001 ")
    validate_upn("l80120000500h")


def test_normalising_nothing_gives_nothing():
    assert normalise_upn("   ") == ""


@pytest.mark.parametrize("last", ["I", "O", "S"])
def test_a_temporary_upn_ending_in_i_o_or_s_is_refused(last):
    body = f"80120000500{last}"
    # Give it every possible check letter, so only the final letter can be the reason.
    for check in "ABCDEFGHJKLMNPQRTUVWXYZ":
        with pytest.raises(ValidationError) as raised:
            validate_upn(check + body)
        assert raised.value.messages == [TEMPORARY_LETTER_MESSAGE]


@pytest.mark.parametrize("check", ["I", "O", "S"])
def test_i_o_and_s_are_never_check_letters(check):
    with pytest.raises(ValidationError) as raised:
        validate_upn(f"{check}801200005001")
    assert raised.value.messages == [CHECK_LETTER_MESSAGE]


@pytest.mark.parametrize("body", ["80120000500", "8012000050011", "80120000500I", "8012A0005001"])
def test_check_letter_refuses_a_malformed_body(body):
    with pytest.raises(ValueError, match="Not the 12 characters"):
        upn_check_letter(body)
