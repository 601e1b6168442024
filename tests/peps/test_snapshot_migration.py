"""peps 0008 moves what was signed off from a column of the PEP to its own table (PepSnapshot),
and going back copies it back: a snapshot survives the move both ways, unchanged."""

import json
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from peps.models import Pep, PepSnapshot

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("peps", "0007_move_retired_answers")]

# Written out by hand: what the migration must keep, character for character.
SIGNED = {
    "title": "Autumn PEP 2026/27",
    "template": "yg",
    "child": {"display_name": "Zara Quill", "legal_name": "Zara Quill", "upn": ""},
    "sections": [{"key": "teacher_comments", "answers": {"comments": "As it was, said Zoë"}}],
    "meeting_on": "2026-10-14",
    "due_on": None,
}


def _column(pep_id: int) -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT signed_off_snapshot FROM peps_pep WHERE id = %s", [pep_id])
        (value,) = cursor.fetchone()
    return json.loads(value) if isinstance(value, str) else value


def _pep_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, "peps_pep")}


def test_a_snapshot_survives_the_move_to_its_own_table_and_back(pep_setting: Any) -> None:
    signed = pep_setting.pep
    PepSnapshot.objects.create(pep=signed, content=SIGNED)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("peps")
    try:
        executor.migrate(BEFORE)
        # Back: the snapshot is in the PEP's column again, the table gone.
        assert "signed_off_snapshot" in _pep_columns()
        assert "peps_pepsnapshot" not in connection.introspection.table_names()
        assert _column(signed.pk) == SIGNED
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM peps_pep WHERE signed_off_snapshot IS NOT NULL")
            assert cursor.fetchall() == [(signed.pk,)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    # Forward again: in its own table, the column gone.
    assert "signed_off_snapshot" not in _pep_columns()
    assert PepSnapshot.objects.get(pep_id=signed.pk).content == SIGNED
    assert list(PepSnapshot.objects.values_list("pep_id", flat=True)) == [signed.pk]
    assert Pep.objects.get(pk=signed.pk).signed_off_snapshot == SIGNED


def _filenode() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode('peps_pep')")
        (node,) = cursor.fetchone()
    return int(node)


def test_0009_rewrites_the_pep_table_only_when_it_has_rows(pep_setting: Any) -> None:
    """VACUUM FULL writes the table anew (a new file); on an empty table it must not run: it
    would record 0 rows, and the planner, believing it, let the foreign-key checks of a large
    set-up scan the whole table for each section (100,000 children: 405 s -> over 20 min)."""
    import importlib

    rewrite = importlib.import_module("peps.migrations.0009_pep_rewritten_without_snapshot").rewrite
    with connection.schema_editor(atomic=False) as editor:
        before = _filenode()
        rewrite(None, editor)
        assert _filenode() != before  # the fixture's PEP is there: rewritten
    Pep.objects.all().delete()
    with connection.schema_editor(atomic=False) as editor:
        empty = _filenode()
        rewrite(None, editor)
        assert _filenode() == empty  # nothing to reclaim: left alone
