"""PostgreSQL keeps a dropped column's values in the rows already written until the table is
rewritten: without this, the signed-off PEPs' rows would stay as wide as before 0008 (they are
never updated again). VACUUM FULL rewrites `peps_pep` (locking it for as long: about a second
for 30,000 PEPs); it cannot run inside a transaction, hence a migration of its own. Nothing to
do on SQLite, nor going back."""

from django.db import migrations


def rewrite(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM FULL peps_pep")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("peps", "0008_pep_snapshot_table")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
