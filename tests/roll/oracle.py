"""An independent reading of SSDA903 CSV files with the csv module, for the tests' expected counts.

Written from the SSDA903 guide's rules, not from roll/ssda903.py: a child whose episodes break
them is "bad" (the import refuses the whole file because of them); the counts are of what the
portal must hold after importing the good children.
"""

import csv
import datetime as dt
import itertools
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


def _shared() -> Path:
    """../shared/data/ssda903 beside the repository (or beside a worktree's parent), or where
    SSDA903_DATA says."""
    if os.environ.get("SSDA903_DATA"):
        return Path(os.environ["SSDA903_DATA"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "ssda903"
        if candidate.is_dir():
            return candidate
    return Path("/nonexistent/shared/data/ssda903")


SHARED = _shared()
AS_OF = dt.date(2018, 3, 31)
MOVES = {"S", "P", "T", "B", "U"}


def day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def episodes_by_child(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    by_child: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_child[row["CHILD"]].append(row)
    for episodes in by_child.values():
        episodes.sort(key=lambda r: day(r["DECOM"]))
    return by_child


def is_bad(episodes: list[dict[str, str]]) -> bool:
    for row in episodes:
        if row["DEC"] and day(row["DEC"]) > AS_OF:
            return True
    for before, after in itertools.pairwise(episodes):
        if not before["DEC"]:
            return True  # still open when the next starts
        ended, starts = day(before["DEC"]), day(after["DECOM"])
        if starts < ended:
            return True
        if before["REC"] == "X1" and starts != ended:
            return True
        if before["REC"] != "X1" and starts == ended:
            return True
    last = episodes[-1]
    return bool(last["DEC"]) and last["REC"] == "X1"


@dataclass
class Expected:
    children: int
    periods: int
    open_episodes: int
    leavers: int
    placements: int
    previously_looked_after: int


def expected(header: list[dict[str, str]], episodes: list[dict[str, str]]) -> Expected:
    by_child = episodes_by_child(episodes)
    children = [c["CHILD"] for c in header if c["CHILD"] in by_child]
    periods = open_episodes = leavers = placements = previously = 0
    for child in children:
        rows = by_child[child]
        last_key = None
        new_period = True
        for row in rows:
            key = (row["PLACE"], row["PLACE_PROVIDER"], row["URN"])
            if new_period:
                periods += 1
                placements += 1
            elif row["RNE"] in MOVES or key != last_key:
                placements += 1
            last_key = key
            new_period = bool(row["DEC"]) and row["REC"] != "X1"
        if rows[-1]["DEC"]:
            leavers += 1
            if rows[-1]["REC"] in {"E11", "E12", "E41", "E45", "E46", "E47", "E48"}:
                previously += 1
        else:
            open_episodes += 1
    return Expected(len(children), periods, open_episodes, leavers, placements, previously)


def write_clean_copy(folder: Path, every: int = 1) -> tuple[Path, Path]:
    """The shared files without the children whose episodes break the rules; with `every`,
    only every so many children of the header (the first, then every `every`th), so a test
    that imports through the ordinary services one child at a time stays quick."""
    header = read(SHARED / "header.csv")
    episodes = read(SHARED / "episodes.csv")
    bad = {child for child, rows in episodes_by_child(episodes).items() if is_bad(rows)}
    bad |= {row["CHILD"] for n, row in enumerate(header) if n % every}
    paths = []
    for name, rows in (("header.csv", header), ("episodes.csv", episodes)):
        path = folder / name
        with path.open("w", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if r["CHILD"] not in bad)
        paths.append(path)
    return paths[0], paths[1]
