"""An index for the virtual school's list of Pupil Premium Plus requests waiting for a decision,
oldest first (issue 20: a page of 25 sorted all of a large authority's requests)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pupil_premium", "0002_pp_request_is_the_section"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pprequest",
            index=models.Index(
                fields=["status", "requested_at", "id"], name="pp_request_waiting_idx"
            ),
        ),
    ]
