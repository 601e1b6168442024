"""The bulk registration path (children/bulk.py) writes what the services write one child at a
time, and its queries do not grow with the number of children.

The reference is the same import with `bulk=False` (every new child through child_register,
placement_change, care_leave and care_episode_start); the expected counts, history rows
included, are counted from the CSV files by tests/roll/oracle.py and here, never read back from
what either path stored."""

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from children.models import CareEpisode, Child, ChildUserObjectPermission, Placement, RecordWarning
from pep_portal.accounts.roles import Role
from pep_portal.audit.models import AuditEvent
from pep_portal.notifications.models import Notification
from peps.models import Pep
from roll.services import roll_import
from roll.ssda903 import parse_extract
from tests.factories import LocalAuthorityFactory, UserFactory
from tests.roll import oracle

pytestmark = pytest.mark.skipif(
    not (oracle.SHARED / "header.csv").exists(), reason="../shared/data/ssda903 is not here"
)

AS_OF = dt.date(2018, 3, 31)


def _import(authority: Any, header: Path, episodes: Path, *, bulk: bool) -> None:
    files = [(header.name, header.read_bytes()), (episodes.name, episodes.read_bytes())]
    result = roll_import(
        authority=authority, extract=parse_extract(files, AS_OF), as_of=AS_OF, bulk=bulk
    )
    assert not result.errors


_SKIP = {"id", "child_id", "authority_id", "created_at", "history_id", "history_date"}


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(
        sorted((k, v) for k, v in row.items() if k not in _SKIP and not k.endswith("_ptr_id"))
    )


def _written(authority: Any) -> dict[str, Any]:
    """Every row an import writes for an authority's children, keyed by the case system's id
    instead of the database's, and each record's history in the order it was saved."""
    children = Child.objects.filter(authority=authority)
    ids = dict(children.values_list("pk", "social_care_id"))
    written: dict[str, Any] = {
        "children": sorted((ids[r["id"]], _values(r)) for r in children.values()),
        "warnings": sorted(
            (ids[w.child_id], w.field, w.message, w.source)
            for w in RecordWarning.objects.filter(child__authority=authority)
        ),
        "access": ChildUserObjectPermission.objects.filter(
            content_object__authority=authority
        ).count(),
        "peps": sorted(
            (ids[child], term)
            for child, term in Pep.objects.values_list("child_id", "term")
            if child in ids
        ),
        "notifications": sorted(
            (n.kind, ids.get(n.child_id))
            for n in Notification.objects.filter(recipient__authority=authority)
        ),
    }
    for name, model in (("episodes", CareEpisode), ("placements", Placement)):
        rows = model.objects.filter(child__authority=authority)
        written[name] = sorted(((ids[r["child_id"]], _values(r)) for r in rows.values()), key=repr)
    for name, model in (("child", Child), ("episode", CareEpisode), ("placement", Placement)):
        history = model.history.filter(  # type: ignore[attr-defined]
            **({"authority": authority} if model is Child else {"child__authority": authority})
        ).order_by("history_date", "history_id")
        by_record: dict[tuple[str, Any], list[Any]] = {}
        for row in history.values():
            child_id = row["id"] if model is Child else row["child_id"]
            key = (ids[child_id], row["id"] if model is Child else None)
            by_record.setdefault(key, []).append((row["history_type"], _values(row)))
        # A record's saves in order, records of a child in the order of their first save.
        written[f"{name} history"] = sorted(
            (
                (child, [saves for (c, _), saves in by_record.items() if c == child])
                for child in {c for c, _ in by_record}
            ),
            key=repr,
        )
        written[f"{name} history users"] = set(history.values_list("history_user_id", flat=True))
    return written


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(newline="") as stream:
        columns = csv.DictReader(stream).fieldnames or []
    with path.open("a", newline="") as stream:
        csv.DictWriter(stream, fieldnames=columns, restval="").writerows(rows)


def test_the_bulk_path_writes_what_the_services_write_one_child_at_a_time(db, tmp_path):
    # Every 50th child of the shared files: 45 children, two of whom come back into care, 22
    # leavers (the oracle's count), registered one at a time for the reference.
    header, episodes = oracle.write_clean_copy(tmp_path, every=50)
    # Besides the shared files' children (who all entered care long before): one who entered
    # care 11 days before the extract's date and moved since, so has an initial PEP and the
    # virtual school is told (by the services, in both paths).
    _append(header, [{"CHILD": "NEW1", "SEX": "2", "DOB": "01/01/2010", "ETHNIC": "WBRI"}])
    common = {"CHILD": "NEW1", "LS": "C2", "CIN": "N1", "PLACE_PROVIDER": "PR1"}
    _append(
        episodes,
        [
            {
                **common,
                "DECOM": "20/03/2018",
                "RNE": "S",
                "PLACE": "U4",
                "DEC": "25/03/2018",
                "REC": "X1",
            },
            {**common, "DECOM": "25/03/2018", "RNE": "P", "PLACE": "U6"},
        ],
    )
    # Each authority's virtual school, to be told whatever either path tells.
    bulk_la = LocalAuthorityFactory(name="Bulkham Council", slug="bulkham")
    one_la = LocalAuthorityFactory(name="Singleton Council", slug="singleton")
    for authority in (bulk_la, one_la):
        UserFactory(role=Role.VIRTUAL_SCHOOL_STAFF, authority=authority)

    _import(bulk_la, header, episodes, bulk=True)
    _import(one_la, header, episodes, bulk=False)
    bulk, one_at_a_time = _written(bulk_la), _written(one_la)
    assert bulk == one_at_a_time

    # Counted from the CSV files: every period, placement, leaver; and the history rows each
    # save writes: a child is created, then saved once each time they leave or come back; an
    # episode is created, given its codes if it is a return to care, ended if it ended; a
    # placement is created and ended unless it is a current one.
    want = oracle.expected(oracle.read(header), oracle.read(episodes))
    periods_ended = want.periods - want.open_episodes
    returns = want.periods - want.children
    assert len(bulk["children"]) == want.children
    assert len(bulk["episodes"]) == want.periods
    assert len(bulk["placements"]) == want.placements
    assert sum(len(s) for _, records in bulk["child history"] for s in records) == (
        want.children + periods_ended + returns
    )
    assert sum(len(s) for _, records in bulk["episode history"] for s in records) == (
        want.periods + returns + periods_ended
    )
    assert sum(len(s) for _, records in bulk["placement history"] for s in records) == (
        want.placements + want.placements - want.open_episodes
    )
    assert bulk["peps"] == [("NEW1", "initial")]
    assert bulk["notifications"] == [("new_to_care", "NEW1")]
    # Two warnings at most a child (the name; the UPN), every child asked for a name.
    assert sum(1 for w in bulk["warnings"] if w[1] == "name") == want.children
    # The command line has no person: every save by nobody.
    assert bulk["child history users"] == {None}


HEADER = "CHILD,SEX,DOB,ETHNIC,UPN\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,URN\n"


def _extract(tmp_path: Path, children: int, prefix: str) -> tuple[Path, Path]:
    """Children who entered care long ago: each moves twice; every third leaves and comes
    back; every other one of those leaves again."""
    header, episodes = [HEADER], [EPISODES]
    for n in range(children):
        child = f"{prefix}{n}"
        header.append(f"{child},1,01/01/2010,WBRI,UN4\n")
        episodes.append(
            f"{child},01/02/2016,S,C2,N1,U4,PR1,01/06/2016,X1,\n"
            f"{child},01/06/2016,P,C2,N1,U6,PR1,01/09/2016,X1,\n"
        )
        if n % 3:
            episodes.append(f"{child},01/09/2016,P,C2,N1,K2,PR4,,,\n")
            continue
        episodes.append(f"{child},01/09/2016,P,C2,N1,K2,PR4,01/01/2017,E12,\n")
        ended = "01/10/2017,E4A" if n % 2 else ","
        episodes.append(f"{child},01/05/2017,S,V2,N4,U1,PR1,{ended},\n")
    (tmp_path / "header.csv").write_text("".join(header))
    (tmp_path / "episodes.csv").write_text("".join(episodes))
    return tmp_path / "header.csv", tmp_path / "episodes.csv"


def _queries(authority: Any, header: Path, episodes: Path) -> int:
    with CaptureQueriesContext(connection) as queries:
        _import(authority, header, episodes, bulk=True)
    return len(queries)


def test_the_imports_queries_do_not_grow_with_the_number_of_children(db, tmp_path):
    small_la = LocalAuthorityFactory(name="Smallham Council", slug="smallham")
    large_la = LocalAuthorityFactory(name="Largeham Council", slug="largeham")
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small = _extract(tmp_path / "small", 6, "S")
    large = _extract(tmp_path / "large", 30, "L")

    first_small, first_large = _queries(small_la, *small), _queries(large_la, *large)
    assert Child.objects.filter(authority=large_la).count() == 30
    # 30 children, 40 periods in care, 100 placements (counted by hand from _extract).
    assert CareEpisode.objects.filter(child__authority=large_la).count() == 40
    assert Placement.objects.filter(child__authority=large_la).count() == 100
    assert first_large == first_small

    again_small, again_large = _queries(small_la, *small), _queries(large_la, *large)
    assert again_large == again_small
    # The second import changed nothing, so it wrote nothing but its audit event.
    assert AuditEvent.objects.filter(action="imported").count() == 4
