# Two small partial indexes for the virtual school's dashboard lists (issue 20): the overdue
# list (open PEPs with no meeting held, soonest due first) reads the first in order instead
# of every PEP; the "child's voice missing" list probes the second (unfinished child's-voice
# sections) instead of every PEP's sections.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("peps", "0009_pep_rewritten_without_snapshot"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pep",
            index=models.Index(
                condition=models.Q(
                    ("meeting_on__isnull", True),
                    models.Q(("status__in", ("signed_off", "closed")), _negated=True),
                ),
                fields=["due_on"],
                name="pep_open_unmet_by_due_on",
            ),
        ),
        migrations.AddIndex(
            model_name="pepsection",
            index=models.Index(
                condition=models.Q(
                    ("key", "child_voice"), models.Q(("status", "complete"), _negated=True)
                ),
                fields=["pep"],
                name="child_voice_unfinished",
            ),
        ),
    ]
