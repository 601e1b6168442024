"""Benchmark: import a synthetic SSDA903 extract of N children (default 10,000 children and
40,000 episodes) through `import_903`, and time the parse, the first import and a re-import.
Not part of `make test`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pep_bench .venv/bin/python \\
        scripts/bench_import_903.py [--children 10000] [--episodes-each 4]

It migrates the database it is given, creates (or reuses) an authority "bench-903", and leaves
the imported children there; point it at a throwaway database. The children are fictional:
dates, codes and ids are drawn from a fixed seed.
"""

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pep_portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from pep_portal.accounts.models import LocalAuthority  # noqa: E402

AS_OF = dt.date(2018, 3, 31)
PLACES = ["U1", "U3", "U4", "U6", "K2", "R1", "H5", "P1", "S1"]
LEGAL = ["C1", "C2", "V2", "E1", "L1", "L2"]


def write_extract(folder: Path, children: int, each: int) -> tuple[Path, Path]:
    rng = random.Random(903)  # noqa: S311 (fictional test data, not secrets)
    header = folder / "header.csv"
    episodes = folder / "episodes.csv"
    with header.open("w", newline="") as h, episodes.open("w", newline="") as e:
        hw, ew = csv.writer(h), csv.writer(e)
        hw.writerow(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
        ew.writerow(
            [
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            ]
        )
        for n in range(children):
            child = f"B{n:06d}"
            dob = AS_OF - dt.timedelta(days=rng.randint(4 * 365, 17 * 365))
            hw.writerow([child, rng.choice("12"), f"{dob:%d/%m/%Y}", "WBRI", "UN4", "", ""])
            start = AS_OF - dt.timedelta(days=rng.randint(each * 30, 3 * 365))
            start = max(start, dob + dt.timedelta(days=1))
            leaves = rng.random() < 0.25
            for i in range(each):
                last = i == each - 1
                end = start + dt.timedelta(days=rng.randint(5, 25)) if not last or leaves else None
                if end is not None and end > AS_OF:
                    end = AS_OF
                rec = "X1" if not last else ("E4A" if leaves else "")
                ew.writerow(
                    [
                        child,
                        f"{start:%d/%m/%Y}",
                        "S" if i == 0 else "P",
                        rng.choice(LEGAL),
                        "N1",
                        rng.choice(PLACES),
                        "PR1",
                        f"{end:%d/%m/%Y}" if end else "",
                        rec,
                        "",
                        "",
                        "",
                        f"SC{rng.randint(100000, 999999)}",
                    ]
                )
                if end is None:
                    break
                start = end
    return header, episodes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--episodes-each", type=int, default=4)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    LocalAuthority.objects.get_or_create(
        slug="bench-903", defaults={"name": "Bench 903 Council", "la_code": "999"}
    )
    with tempfile.TemporaryDirectory() as folder:
        header, episodes = write_extract(Path(folder), args.children, args.episodes_each)
        rows = sum(1 for _ in episodes.open()) - 1
        print(f"{args.children} children, {rows} episodes")
        for label in ("first import", "re-import (nothing changes)"):
            started = time.monotonic()
            call_command(
                "import_903",
                "--authority",
                "bench-903",
                "--as-of",
                AS_OF.isoformat(),
                str(header),
                str(episodes),
                stdout=io.StringIO(),
            )
            print(f"{label}: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
