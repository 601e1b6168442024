# A partial index of the open PEPs by child (issue 20): the virtual school's work counts, most
# urgent and work lists read every open PEP of the authority, a third of the PEPs on a seventh
# of the table's pages, through it instead of a sequential scan of every PEP.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("peps", "0010_dashboard_lists_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pep",
            index=models.Index(
                condition=models.Q(("status__in", ("signed_off", "closed")), _negated=True),
                fields=["child"],
                name="open_pep_by_child",
            ),
        ),
    ]
