"""Benchmark: import a synthetic SSDA903 extract of N children (default 10,000 children and
40,000 episodes) through `import_903`, and time the parse, the first import and a re-import;
the figures go to bench/results-import.json. Not part of `make test` (`make bench-import`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pep_bench_import .venv/bin/python \\
        scripts/bench_import_903.py [--children 10000] [--episodes-each 4] [--out FILE]

It migrates the database it is given and imports into a new authority "bench-903-…" each run
(so every run's first import registers every child); point it at a throwaway database. The
children are fictional: dates, codes and ids are drawn from a fixed seed; one in a hundred
entered care in the last three weeks (an initial PEP each), some leave and come back. The
target (issue 15): the first import of 10,000 children and 40,000 episodes in under 60 s.
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pep_portal.settings")

import django
import psycopg


def _create_database() -> None:
    """The throwaway database named by DATABASE_URL, created if it is not there yet."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


_create_database()
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

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
            if n % 100 == 7:
                # One in a hundred entered care in the last three weeks: an initial PEP each,
                # through the services one child at a time, as a hand registration.
                start = AS_OF - dt.timedelta(days=rng.randint(1, 20))
                ew.writerow([child, f"{start:%d/%m/%Y}", "S", "C2", "N1", "U4", "PR1", *[""] * 6])
                continue
            start = AS_OF - dt.timedelta(days=rng.randint(each * 30 + 90, 3 * 365))
            start = max(start, dob + dt.timedelta(days=1))
            leaves = rng.random() < 0.25
            # One in twenty of those who leave came back into care (long enough ago).
            returns = leaves and n % 20 == 0
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
            if returns and end is not None and end + dt.timedelta(days=60) < AS_OF:
                back = end + dt.timedelta(days=rng.randint(30, 60))
                ew.writerow([child, f"{back:%d/%m/%Y}", "S", "V2", "N4", "U1", "PR1", *[""] * 6])
    return header, episodes


def _counting(counter: list[int]):  # type: ignore[no-untyped-def]
    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        counter[0] += 1
        return execute(sql, params, many, context)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--episodes-each", type=int, default=4)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "bench" / "results-import.json",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    used = set(LocalAuthority.objects.values_list("la_code", flat=True))
    la_code = next(str(code) for code in range(999, 99, -1) if str(code) not in used)
    LocalAuthority.objects.create(
        slug=f"bench-903-{run}", name=f"Bench 903 Council {run}", la_code=la_code
    )
    figures: dict[str, object] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "children": args.children,
        "target_seconds": 60,
        # The machine's load when the run began (other work slows the run down).
        "load_average": [round(load, 1) for load in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as folder:
        header, episodes = write_extract(Path(folder), args.children, args.episodes_each)
        rows = sum(1 for _ in episodes.open()) - 1
        figures["episodes"] = rows
        print(f"{args.children} children, {rows} episodes")
        for key, label in (("first_import", "first import"), ("re_import", "re-import")):
            counter = [0]
            out = io.StringIO()
            started = time.monotonic()
            with connection.execute_wrapper(_counting(counter)):
                call_command(
                    "import_903",
                    "--authority",
                    f"bench-903-{run}",
                    "--as-of",
                    AS_OF.isoformat(),
                    str(header),
                    str(episodes),
                    stdout=out,
                )
            seconds = time.monotonic() - started
            figures[f"{key}_seconds"] = round(seconds, 1)
            figures[f"{key}_queries"] = counter[0]
            figures[f"{key}_summary"] = out.getvalue().strip().splitlines()[-1]
            print(f"{label}: {seconds:.1f} s, {counter[0]} queries")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
