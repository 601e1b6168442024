"""One form of an e-mail address, used wherever the portal stores, finds or counts one."""

import unicodedata


def normalise_email(address: str | None) -> str:
    """The form in which an address is stored, looked up (exactly) and counted for lockout.

    NFKC folds compatibility look-alikes (fullwidth letters, the Kelvin sign, non-breaking
    spaces) onto the characters they stand for, as Django does for usernames. Lower case is
    done here, in Python, and every comparison is then an exact match on this form: never the
    database's own case folding, which differs (PostgreSQL's UPPER() turns a dotless i (U+0131) into
    "I"; Python's lower() leaves it alone). Not casefold(): it turns "ß" into "ss", which is
    someone else's mailbox.
    """
    if not address:
        return ""
    folded = unicodedata.normalize("NFKC", address).strip().lower()
    # Lower-casing can leave a string that NFKC would change again (İ → i + combining dot).
    return unicodedata.normalize("NFKC", folded)
