"""What was signed off moves from a column of the PEP (`peps_pep.signed_off_snapshot`, about
1.5 KB of JSON a row, kept inline) to a table of its own, `peps_pepsnapshot`, one row a
signed-off PEP: every count and list over PEPs read it with the row. Copied in SQL that both
PostgreSQL and SQLite (`make run`) run; going back copies each snapshot back to its PEP."""

import django.db.models.deletion
from django.db import migrations, models

FORWARDS = """
INSERT INTO peps_pepsnapshot (pep_id, content)
SELECT id, signed_off_snapshot FROM peps_pep WHERE signed_off_snapshot IS NOT NULL
"""

BACKWARDS = """
UPDATE peps_pep SET signed_off_snapshot = (
    SELECT s.content FROM peps_pepsnapshot s WHERE s.pep_id = peps_pep.id
)
WHERE id IN (SELECT pep_id FROM peps_pepsnapshot)
"""


class Migration(migrations.Migration):
    dependencies = [("peps", "0007_move_retired_answers")]

    operations = [
        migrations.CreateModel(
            name="PepSnapshot",
            fields=[
                (
                    "pep",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="snapshot",
                        serialize=False,
                        to="peps.pep",
                    ),
                ),
                ("content", models.JSONField()),
            ],
            options={"verbose_name": "signed-off PEP snapshot"},
        ),
        migrations.RunSQL(FORWARDS, BACKWARDS),
        migrations.RemoveField(model_name="pep", name="signed_off_snapshot"),
    ]
