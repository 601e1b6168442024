"""The database refuses to change or delete audit events (README, "Audit and retention").

A trigger, not only the ORM's refusal: raw SQL, a shell or a bug cannot rewrite history either.
The one exception is the retention purge, which sets the transaction-local setting
`pep_portal.audit_purge`; even then only rows older than their authority's period go.

Why a session setting rather than a SECURITY DEFINER function owned by a second role: the portal
runs as one database role (which owns the table), so a second role would only move the trust,
not add any; the setting keeps mistakes and ordinary SQL out while the purge stays one plain
transaction. A deployment that separates roles can additionally REVOKE UPDATE, DELETE on the
table from the application role. TRUNCATE is not blocked: it needs the table's owner, and the
test suite empties tables that way between transactional tests.

SQLite (the `make run` demo) gets no trigger; the ORM's refusal still holds there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('pep_portal.audit_purge', true) = 'on'
       AND OLD.occurred_at < now() - make_interval(years => COALESCE(
           (SELECT years FROM audit_auditretention WHERE authority_id = OLD.authority_id), 7))
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the PL/pgSQL `%` placeholders are not Python's.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
