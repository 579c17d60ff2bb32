# ruff: noqa: RUF012  (written as makemigrations would)
"""PDFs with active content are flagged on their material version (see core.filecheck)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="materialversion",
            name="active_content",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
