"""The record-view log now lives in the audit log (audit 0003 copied it)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('children', '0003_teacher_approval'),
        # The views are copied into the audit log first.
        ('audit', '0003_child_record_views'),
    ]

    operations = [
        migrations.DeleteModel(
            name='ChildRecordView',
        ),
    ]
