# Each open PEP's arranged meeting, the latest first (meetings.selectors.
# open_peps_with_arranged_meeting): a small partial index, probed once per open PEP by the
# work counts and lists, instead of every meeting the PEP ever had (issue 20).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_record_draft_and_parent"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(
                condition=models.Q(("status", "arranged")),
                fields=["pep", "-starts_at", "-id"],
                name="arranged_meeting_of_pep",
            ),
        ),
    ]
