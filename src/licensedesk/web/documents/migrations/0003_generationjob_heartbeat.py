# ruff: noqa: RUF012  (written as makemigrations would)
"""Generation jobs get a heartbeat (``heartbeat_at``) and the ``interrupted`` status: a job whose
process stopped is recognised within seconds instead of blocking its case for 15 minutes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_agencytemplate"),
    ]

    operations = [
        migrations.AddField(
            model_name="generationjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="generationjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("interrupted", "Interrupted"),
                ],
                default="queued",
                max_length=12,
            ),
        ),
    ]
