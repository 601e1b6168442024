"""Pupil Premium Plus now lives in its own app (pupil_premium 0001 takes over the same tables):
forget the models here without touching the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("quality_assurance", "0001_initial"),
        ("pupil_premium", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="HistoricalPpAllocation"),
                migrations.DeleteModel(name="HistoricalPpRequest"),
                migrations.DeleteModel(name="PpAllocation"),
                migrations.DeleteModel(name="PpRequest"),
            ],
        ),
    ]
