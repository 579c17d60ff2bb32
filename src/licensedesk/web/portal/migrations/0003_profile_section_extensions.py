# ruff: noqa: RUF012  (migration)
"""The license-specific facts (``extensions``) become a section a client fills in."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_verbose_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profiledraft",
            name="section",
            field=models.CharField(
                choices=[
                    ("company", "公司信息 Company"),
                    ("service", "服务 Service"),
                    ("readiness", "准备情况 Readiness"),
                    ("extensions", "许可证专项信息 License-specific facts"),
                ],
                max_length=20,
                verbose_name="section",
            ),
        ),
    ]
