# ruff: noqa: RUF012  (as makemigrations writes them)
"""Agency-internal targets per stage and the due-soon flag window (issue 11)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="due_soon_days",
            field=models.PositiveSmallIntegerField(default=7, verbose_name="flag due dates within (days)"),
        ),
        migrations.CreateModel(
            name="StageTarget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("license_id", models.CharField(max_length=40, verbose_name="license")),
                ("stage", models.CharField(max_length=40, verbose_name="stage")),
                ("amount", models.PositiveSmallIntegerField(verbose_name="within")),
                (
                    "unit",
                    models.CharField(
                        choices=[("working_days", "working days"), ("days", "calendar days")],
                        default="working_days",
                        max_length=20,
                        verbose_name="unit",
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stage_targets",
                        to="accounts.agency",
                        verbose_name="agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "stage target",
                "verbose_name_plural": "stage targets",
                "ordering": ("license_id", "stage"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("agency", "license_id", "stage"), name="stage_target_uniq"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="stage_target_amount_positive"
                    ),
                ],
            },
        ),
    ]
