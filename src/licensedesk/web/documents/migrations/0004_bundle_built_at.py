# ruff: noqa: RUF012  (written as makemigrations would)
"""Bundles keep their build time (``built_at``), the manifest's time: rebuilt with it, same bytes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_generationjob_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="submissionbundle",
            name="built_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
