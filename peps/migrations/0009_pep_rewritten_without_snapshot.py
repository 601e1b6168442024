"""PostgreSQL keeps a dropped column's values in the rows already written until the table is
rewritten: without this, the signed-off PEPs' rows would stay as wide as before 0008 (they are
never updated again). VACUUM FULL rewrites `peps_pep` (locking it for as long: about a second
for 30,000 PEPs); it cannot run inside a transaction, hence a migration of its own. Nothing to
do on SQLite, nor going back.

Not on an empty table (a new installation, a test or benchmark database): there is nothing to
reclaim, and VACUUM would record the table as vacuumed with 0 rows. Where autovacuum is off or
slow, the planner then believes `peps_pep` empty, and the foreign-key checks of a large set-up
(prepared once per connection) scan the whole table for every section row: the 100,000-child
termly set-up went from 405 s to over 20 minutes (`make bench`, 8 December)."""

from django.db import migrations


def rewrite(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM peps_pep)")
        (has_rows,) = cursor.fetchone()
    if has_rows:
        schema_editor.execute("VACUUM FULL peps_pep")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("peps", "0008_pep_snapshot_table")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
