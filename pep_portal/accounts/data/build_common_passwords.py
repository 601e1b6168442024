"""Rebuild common-passwords.txt.gz beside this file (README.md here says what it holds).

    npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
    python pep_portal/accounts/data/build_common_passwords.py package/src/passwords.json

Django's list comes from the installed Django. The output is sorted and written without a
timestamp, so the same inputs always give the same file.
"""

import gzip
import json
import sys
from pathlib import Path

import django.contrib.auth

HERE = Path(__file__).resolve().parent
DJANGO_LIST = Path(django.contrib.auth.__file__).parent / "common-passwords.txt.gz"


def build(zxcvbn_json: Path) -> set[str]:
    with gzip.open(DJANGO_LIST, "rt", encoding="utf-8") as f:
        passwords = {line.strip().lower() for line in f}
    passwords |= {p.strip().lower() for p in json.loads(zxcvbn_json.read_text("utf-8"))}
    passwords.discard("")
    return passwords


if __name__ == "__main__":
    passwords = build(Path(sys.argv[1]))
    text = "".join(f"{p}\n" for p in sorted(passwords)).encode()
    with (
        (HERE / "common-passwords.txt.gz").open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out,
    ):
        out.write(text)
    print(f"{len(passwords)} passwords")
