"""Fold the child record's view log (children.ChildRecordView) into the audit log: each view
becomes a "child_record_opened" event, then children 0004 drops the old table."""

from django.db import migrations


def copy_views(apps, schema_editor):  # type: ignore[no-untyped-def]
    ChildRecordView = apps.get_model("children", "ChildRecordView")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    views = ChildRecordView.objects.select_related("viewer", "child").order_by("pk")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                occurred_at=view.viewed_at,
                action="child_record_opened",
                actor_id=view.viewer_id,
                actor_label=f"{view.viewer.full_name} <{view.viewer.email}>",
                authority_id=view.child.authority_id,
                child_id=view.child_id,
                target_type="child",
                target_id=str(view.child_id),
                detail={"page": view.page},
            )
            for view in views.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger"), ("children", "0003_teacher_approval")]

    # Backwards: the events stay (they are append-only); the old table comes back empty.
    operations = [migrations.RunPython(copy_views, migrations.RunPython.noop)]
