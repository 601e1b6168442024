"""Indexes for the children list's search (issue 20): the search matches a part of any of the
three names, case-insensitively (Django's icontains: UPPER(name) LIKE UPPER('%term%')), or
the UPN or social care ID exactly, case-insensitively (iexact: UPPER(x) = UPPER('term')).
Without an index PostgreSQL read every child of the table and upper-cased three names each,
twice a search (the count and the page). A trigram index on each UPPER(name) serves a LIKE
with a term of three letters or more; a plain index on each UPPER(identifier) serves the
equality; together they answer the search's OR as one bitmap. The expressions are the ones
Django writes, so the search itself is unchanged.

PostgreSQL only (pg_trgm, a trusted extension: the database's owner may create it)."""

from django.db import migrations

NAMES = ("legal_first_name", "legal_last_name", "preferred_name")
IDENTIFIERS = ("upn", "social_care_id")

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS child_{name}_search ON children_child "
        f"USING gin (UPPER({name}::text) gin_trgm_ops)"
        for name in NAMES
    ),
    *(
        f"CREATE INDEX IF NOT EXISTS child_{name}_search ON children_child (UPPER({name}::text))"
        for name in IDENTIFIERS
    ),
]
# The extension stays: dropping it would break anything else that came to use it.
DROP = [f"DROP INDEX IF EXISTS child_{name}_search" for name in NAMES + IDENTIFIERS]


def _on_postgresql(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("children", "0007_settings_and_wider_cohorts")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
