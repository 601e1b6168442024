"""Password rules (AUTH_PASSWORD_VALIDATORS), with messages in the GOV.UK style.

Django's own validators, worded for the portal, plus one that refuses passwords that are easy to
guess: those on an offline list of common and leaked passwords (data/README.md), a common word
with numbers or symbols added (Summer2026!!, P@ssw0rd1), the same few characters repeated,
letters in order or along the keyboard, and the published demo password outside the demo.
"""

import gzip
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth import password_validation as django_validation
from django.core.exceptions import ValidationError

# The demo's accounts all have this password (README, "Demo logins"): public, so refused
# whenever DEBUG is off.
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105

COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"

# Words people build passwords from at work, beyond the list.
GUESSABLE_WORDS = {
    *("spring", "summer", "autumn", "fall", "winter"),
    *("january", "february", "march", "april", "may", "june", "july", "august"),
    *("september", "october", "november", "december"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("pep", "peps", "portal", "pepportal", "virtualschool", "school", "council", "password"),
    *("welcome", "letmein", "changeme", "secret", "admin", "administrator"),
}
# Runs people type without thinking: alphabet, digits, keyboard rows (and their shifted forms).
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "azertyuiop",
    "!@#$%^&*()_+",
    '!"£$%^&*()_+',
)
# Numbers and symbols stripped from either end of a password to find the word it was built on.
ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
# Letters swapped for look-alike digits and symbols.
UNLEET = str.maketrans("@4310!$57+", "aaeioisstt")


@cache
def load_common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as f:
        return frozenset(line.rstrip("\n") for line in f)


def _is_sequence(text: str) -> bool:
    return len(text) >= 4 and any(text in run or text in run[::-1] for run in SEQUENCES)


def _is_repetitive(text: str) -> bool:
    return len(set(text)) < 5 or re.fullmatch(r"(.{1,6}?)\1+", text) is not None


class GuessablePasswordValidator:
    def validate(self, password: str, user: object = None) -> None:
        lowered = password.lower().strip()
        if not settings.DEBUG and password.strip() == DEMO_PASSWORD:
            raise ValidationError(
                "You cannot use the demo password. Choose your own password",
                code="password_demo",
            )
        if lowered in load_common_passwords():
            raise ValidationError(
                "Your password is too easy to guess: it is on a list of common and leaked "
                "passwords",
                code="password_too_common",
            )
        if _is_repetitive(lowered):
            raise ValidationError(
                "Your password is too easy to guess: it repeats the same few characters",
                code="password_repetitive",
            )
        core = ENDS.sub("", lowered)
        plain = core.translate(UNLEET)
        if len(core) >= 3 and ({core, plain} & load_common_passwords() or plain in GUESSABLE_WORDS):
            raise ValidationError(
                "Your password is too easy to guess: it is a common word or password with "
                "numbers or symbols added",
                code="password_common_with_additions",
            )
        if _is_sequence(plain) or _is_sequence(lowered):
            raise ValidationError(
                "Your password is too easy to guess: it is letters or numbers in order, or "
                "along the keyboard",
                code="password_sequence",
            )

    def get_help_text(self) -> str:
        return (
            "Do not use a common password, a word with numbers or symbols added, or letters "
            "in order. Three random words are easy to remember and hard to guess."
        )


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"Your password must be {self.min_length} characters or more"

    def get_help_text(self) -> str:
        return f"Use {self.min_length} characters or more."


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return "Your password is too like your %(verbose_name)s"

    def get_help_text(self) -> str:
        return "Do not use your name or email address."


class NumericPasswordValidator(django_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return "Your password cannot be only numbers"

    def get_help_text(self) -> str:
        return "Do not use only numbers."
