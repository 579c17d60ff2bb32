# ruff: noqa: RUF012  (migration)
"""Agency and company of every license are known after 0007's backfill: make them required (a separate
migration, so PostgreSQL never alters the table in the transaction that updated its rows)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_verbose_names"),
        ("cases", "0007_license_register"),
    ]

    operations = [
        migrations.AlterField(
            model_name="licenserecord",
            name="agency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="licenses",
                to="accounts.agency",
                verbose_name="agency",
            ),
        ),
        migrations.AlterField(
            model_name="licenserecord",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="licenses",
                to="cases.clientcompany",
                verbose_name="company",
            ),
        ),
    ]
