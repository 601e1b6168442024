"""Pupil Premium Plus moves out of quality_assurance. The tables already exist (made by
quality_assurance 0001) and keep their names, so this changes Django's state only: no row moves.
The content types move with the models, so permissions and history that point at them stay."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


MODELS = ["ppallocation", "pprequest", "historicalppallocation", "historicalpprequest"]


def _move(apps, schema_editor, source, target):  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # On a fresh database neither exists yet (content types are made after migrating).
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):  # type: ignore[no-untyped-def]
    _move(apps, schema_editor, "quality_assurance", "pupil_premium")


def move_content_types_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    _move(apps, schema_editor, "pupil_premium", "quality_assurance")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0006_user_invitation_times'),
        ('children', '0003_teacher_approval'),
        ('meetings', '0001_initial'),
        ('peps', '0002_historicalpep_teacher_sections_due_on_and_more'),
        ('quality_assurance', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalPpAllocation',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('financial_year', models.PositiveSmallIntegerField(help_text='The year it starts on 1 April.')),
                        ('amount_per_child', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(0)])),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('authority', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.localauthority')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical pp allocation',
                        'verbose_name_plural': 'historical pp allocations',
                        'db_table': 'quality_assurance_historicalppallocation',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalPpRequest',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('financial_year', models.PositiveSmallIntegerField()),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(1)])),
                        ('purpose', models.TextField()),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('status', models.CharField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('part_approved', 'Part-approved'), ('declined', 'Declined')], default='requested', max_length=20)),
                        ('approved_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True)),
                        ('decision_reason', models.TextField(blank=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('child', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='children.child')),
                        ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pep', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='peps.pep')),
                        ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='children.school')),
                        ('target', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='meetings.target')),
                    ],
                    options={
                        'verbose_name': 'historical pp request',
                        'verbose_name_plural': 'historical pp requests',
                        'db_table': 'quality_assurance_historicalpprequest',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PpAllocation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('financial_year', models.PositiveSmallIntegerField(help_text='The year it starts on 1 April.')),
                        ('amount_per_child', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(0)])),
                        ('authority', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pp_allocations', to='accounts.localauthority')),
                    ],
                    options={
                        'db_table': 'quality_assurance_ppallocation',
                        'constraints': [models.UniqueConstraint(fields=('authority', 'financial_year'), name='one_allocation_per_year')],
                    },
                ),
                migrations.CreateModel(
                    name='PpRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('financial_year', models.PositiveSmallIntegerField()),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(1)])),
                        ('purpose', models.TextField()),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('status', models.CharField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('part_approved', 'Part-approved'), ('declined', 'Declined')], default='requested', max_length=20)),
                        ('approved_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True)),
                        ('decision_reason', models.TextField(blank=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('child', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pp_requests', to='children.child')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pep', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pp_requests', to='peps.pep')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('school', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='pp_requests', to='children.school')),
                        ('target', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='pp_requests', to='meetings.target')),
                    ],
                    options={
                        'db_table': 'quality_assurance_pprequest',
                        'ordering': ['requested_at', 'pk'],
                        'indexes': [models.Index(fields=['financial_year', 'status'], name='quality_ass_financi_8866c8_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
